"""A measurement for the image-forensics tests (the media builders live in ``veracity.testing.pictures``)."""

from __future__ import annotations

import numpy as np


def inside_outside(anomaly: np.ndarray, box_xyxy: tuple[int, int, int, int], block_px: int) -> tuple[float, float]:
    """Mean of a per-block map inside and outside a pixel box."""
    mask = np.zeros(anomaly.shape, dtype=bool)
    x0, y0, x1, y1 = box_xyxy
    mask[y0 // block_px : y1 // block_px, x0 // block_px : x1 // block_px] = True
    return float(anomaly[mask].mean()), float(anomaly[~mask].mean())


from veracity.testing.pictures import (  # noqa: E402,F401 - the builders' home; kept importable from here
    jpeg_roundtrip,
    photo,
    save_jpeg,
    smooth_scene,
    splice_fresh_into_compressed,
)
