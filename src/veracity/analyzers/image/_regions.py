"""Block statistics shared by the image-forensic maps: block means, robust anomaly scores, region boxes."""

from __future__ import annotations

import numpy as np


def block_view(values: np.ndarray, block_px: int) -> np.ndarray:
    """(rows, cols, block_px, block_px) view of a 2-D array, trimmed to whole blocks."""
    rows, cols = values.shape[0] // block_px, values.shape[1] // block_px
    trimmed = values[: rows * block_px, : cols * block_px]
    return trimmed.reshape(rows, block_px, cols, block_px).swapaxes(1, 2)


def robust_z(values: np.ndarray) -> np.ndarray:
    """(x − median) / (1.4826 · MAD): how many robust standard deviations each value sits from the typical one."""
    centre = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - centre))) + 1e-9
    return (values - centre) / spread


def residual_z(predictor: np.ndarray, values: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Robust z-score of ``values`` after removing what a line in ``predictor`` explains (Huber-weighted fit).

    Used to discount texture: detail raises error levels and noise everywhere, a manipulated region only locally.
    """
    x, y = predictor.ravel().astype(np.float64), values.ravel().astype(np.float64)
    design = np.c_[x, np.ones_like(x)]
    weights = np.ones_like(x)
    residual = y - np.median(y)
    for _ in range(iterations):
        coef = np.linalg.lstsq(design * weights[:, None], y * weights, rcond=None)[0]
        residual = y - design @ coef
        spread = 1.4826 * float(np.median(np.abs(residual - np.median(residual)))) + 1e-9
        weights = np.sqrt(np.minimum(1.0, 2 * spread / np.maximum(np.abs(residual), 1e-12)))
    return robust_z(residual).reshape(values.shape)


def smooth(values: np.ndarray, size: int = 3) -> np.ndarray:
    """Local mean over size×size blocks, so a coherent region outweighs isolated noisy blocks."""
    from scipy import ndimage

    return ndimage.uniform_filter(values.astype(np.float64), size, mode="nearest")


def top_share_mean(values: np.ndarray, share: float = 0.05) -> float:
    """Mean of the highest ``share`` of the values (at least one)."""
    flat = np.sort(values.ravel())
    return float(flat[-max(1, int(flat.size * share)) :].mean())


def region_box(anomaly: np.ndarray, block_px: int, *, relative: float = 0.5) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) of the connected blocks above ``relative`` × peak around the strongest block."""
    from scipy import ndimage

    peak_at = np.unravel_index(int(np.argmax(anomaly)), anomaly.shape)
    mask = anomaly >= relative * float(anomaly[peak_at])
    labels, _count = ndimage.label(mask)
    rows, cols = np.nonzero(labels == labels[peak_at])
    return (int(cols.min() * block_px), int(rows.min() * block_px),
            int((cols.max() + 1) * block_px), int((rows.max() + 1) * block_px))


def box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    inter_w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0
