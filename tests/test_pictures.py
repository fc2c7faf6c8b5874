"""Evidence pictures."""

from __future__ import annotations

import numpy as np


def test_heat_map_overlays_use_the_ramps_colours() -> None:
    from veracity.pictures import colorize, heatmap_overlay

    grey = np.full((64, 256, 3), 128, np.uint8)
    ramp = np.tile(np.linspace(0.0, 1.0, 256, dtype=np.float32), (64, 1))
    overlay = heatmap_overlay(grey, ramp, alpha=1.0).astype(np.float32)
    levels = (np.clip(ramp, 0, 1) * 255).astype(np.uint8)
    weight = (levels.astype(np.float32)[..., None] / 255.0) ** 0.5
    expected = (128.0 * (1 - weight) + colorize(levels / np.float32(255.0)).astype(np.float32) * weight)
    assert np.array_equal(overlay, expected.clip(0, 255).astype(np.uint8).astype(np.float32))
