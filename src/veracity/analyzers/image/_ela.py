"""Error level analysis as plain functions."""

from __future__ import annotations

import io

import numpy as np


def error_levels(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    """Per-pixel error level: |image − image re-saved as JPEG at ``quality``|, mean over channels.

    Idea (Krawetz, "A Picture's Worth", 2007): a JPEG re-saved at a fixed quality changes little where it was
    already compressed at that level, so regions pasted in from another source, or edited after the last save,
    often stand out. Fails on heavily recompressed files (everything is flat), on PNG-born images, and on
    high-contrast edges and textures, which always show higher error: read it as a map, not a score.
    """
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    resaved = np.asarray(Image.open(buffer).convert("RGB"), dtype=np.int16)
    return np.abs(rgb.astype(np.int16) - resaved).mean(axis=2).astype(np.float32)


def block_means(values: np.ndarray, block_px: int = 16) -> np.ndarray:
    height, width = values.shape[:2]
    rows, cols = height // block_px, width // block_px
    trimmed = values[: rows * block_px, : cols * block_px]
    return trimmed.reshape(rows, block_px, cols, block_px).mean(axis=(1, 3))


def texture_levels(rgb: np.ndarray, block_px: int = 16) -> np.ndarray:
    """Local detail per block (mean absolute Laplacian), used to discount edges that always show error."""
    grey = rgb.astype(np.float32).mean(axis=2)
    lap = np.abs(4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:])
    lap = np.pad(lap, 1)
    return block_means(lap, block_px)


def ela_inconsistency(rgb: np.ndarray, quality: int = 90, block_px: int = 16) -> tuple[float, np.ndarray, np.ndarray]:
    """Return (score, per-block anomaly map in [0, 1], per-pixel error levels).

    Each block's error level is compared with what its texture predicts (a robust linear fit over all blocks);
    the score is the share of the image's residual error concentrated in its most anomalous 5% of blocks,
    which stays low for uniformly compressed images and rises for a region compressed differently.
    """
    levels = error_levels(rgb, quality)
    ela_blocks = block_means(levels, block_px)
    texture = texture_levels(rgb, block_px)
    if ela_blocks.size < 16:
        return 0.0, np.zeros_like(ela_blocks), levels
    x, y = texture.ravel(), ela_blocks.ravel()
    slope, intercept = np.polyfit(x, y, 1) if np.ptp(x) > 0 else (0.0, float(np.median(y)))
    residual = ela_blocks - (slope * texture + intercept)
    spread = float(np.median(np.abs(residual - np.median(residual)))) * 1.4826 + 1e-3
    z = (residual - np.median(residual)) / spread
    anomaly = np.clip(z / 8.0, 0.0, 1.0)
    top = np.sort(z.ravel())[-max(1, z.size // 20) :]
    score = float(np.clip(np.mean(top) / 12.0, 0.0, 1.0))
    return score, anomaly, levels
