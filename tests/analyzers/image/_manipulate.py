"""Manipulations built in code for the image-forensics tests (test-only: never shipped)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


def photo(name: str) -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(getattr(data, name)())


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def save_jpeg(rgb: np.ndarray, path: Path, quality: int) -> Path:
    Image.fromarray(rgb).save(path, "JPEG", quality=quality)
    return path


def smooth_scene(height: int = 384, width: int = 512, noise_sigma: float = 3.0, seed: int = 0) -> tuple[np.ndarray,
                                                                                                        np.ndarray]:
    """A smoothly shaded scene with even sensor-like noise; returns (noisy uint8, noise-free float)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    scene = np.stack([100 + 60 * np.sin(xx / 50) + 30 * np.cos(yy / 40), 120 + 50 * np.cos(xx / 70 + yy / 90),
                      90 + 40 * np.sin((xx + yy) / 60)], axis=2)
    scene[150:250, 50:200] = [200, 60, 60]
    noisy = np.clip(scene + rng.normal(0, noise_sigma, scene.shape), 0, 255).astype(np.uint8)
    return noisy, scene


def splice_fresh_into_compressed(base: np.ndarray, donor: np.ndarray, box_xyxy: tuple[int, int, int, int], *,
                                 background_quality: int, final_quality: int | None) -> np.ndarray:
    """Background compressed at one quality, a never-compressed patch pasted on the 8-px grid, saved again
    (``final_quality`` None: not yet saved, for the caller to write the file)."""
    x0, y0, x1, y1 = box_xyxy
    out = jpeg_roundtrip(base, background_quality).copy()
    out[y0:y1, x0:x1] = donor[: y1 - y0, : x1 - x0]
    return out if final_quality is None else jpeg_roundtrip(out, final_quality)


def inside_outside(anomaly: np.ndarray, box_xyxy: tuple[int, int, int, int], block_px: int) -> tuple[float, float]:
    """Mean of a per-block map inside and outside a pixel box."""
    mask = np.zeros(anomaly.shape, dtype=bool)
    x0, y0, x1, y1 = box_xyxy
    mask[y0 // block_px : y1 // block_px, x0 // block_px : x1 // block_px] = True
    return float(anomaly[mask].mean()), float(anomaly[~mask].mean())
