"""Double JPEG compression, located: JPEG ghosts as plain numpy functions."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from veracity.analyzers.image._regions import block_view, robust_z, smooth, top_share_mean


def resave_differences(
    rgb: np.ndarray, qualities: tuple[int, ...], block_px: int = 16, checkpoint: Callable[[], None] | None = None
) -> np.ndarray:
    """(Q, rows, cols): mean squared difference between the image and its re-save at each quality, per block.

    Estimated from the picture's DCT coefficients (``_dct.resave_sse``: one transform, then a quantization per
    quality, in strips) when ``block_px`` is a multiple of 16; otherwise by re-saving (``resave_differences_pixels``).
    """
    if block_px % 16 == 0:
        from veracity.analyzers.image._dct import resave_sse
        from veracity.analyzers.image._jpeg_quant import standard_tables

        return resave_sse(rgb, standard_tables, qualities, block_px, checkpoint)
    return resave_differences_pixels(rgb, qualities, block_px)


def resave_differences_pixels(rgb: np.ndarray, qualities: tuple[int, ...], block_px: int = 16) -> np.ndarray:
    """``resave_differences`` by actually re-saving with Pillow at each quality (one encode + decode each)."""
    from PIL import Image

    pixels = rgb.astype(np.float32)
    out = []
    for quality in qualities:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="JPEG", quality=int(quality))
        resaved = np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32)
        out.append(block_view(((pixels - resaved) ** 2).mean(axis=2), block_px).mean(axis=(2, 3)))
    return np.stack(out)


def global_ghost(diffs: np.ndarray, qualities: tuple[int, ...]) -> tuple[int | None, float]:
    """(quality, depth) of a dip in the whole picture's median re-save error: it was compressed at that quality
    before its last save. Depth is log(neighbours' mean / dip); about 0 when there is none."""
    curve = np.log(np.median(diffs.reshape(len(qualities), -1), axis=1) + 0.1)
    best_quality, best_depth = None, 0.0
    for index in range(1, len(qualities) - 1):
        depth = float(0.5 * (curve[index - 1] + curve[index + 1]) - curve[index])
        if depth > best_depth and curve[index] < min(curve[index - 1], curve[index + 1]):
            best_quality, best_depth = int(qualities[index]), depth
    return best_quality, best_depth


def ghost_inconsistency(
    rgb: np.ndarray, qualities: tuple[int, ...] = tuple(range(50, 96, 5)), block_px: int = 16,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[float, np.ndarray, tuple[int | None, float]]:
    """Return (score in [0, 1], per-block anomaly map in [0, 1], ``global_ghost`` of the whole picture).

    Farid, "Exposing digital forgeries from JPEG ghosts" (IEEE TIFS 2009): re-saving a JPEG at the quality a
    region was *previously* compressed at changes that region little — a "ghost" dip in the re-save error. A
    region pasted from another JPEG, or left uncompressed while the rest was compressed earlier, has its dip at a
    different quality or none. Each block's error curve over the qualities (divided by its mean, to discount
    texture) is compared with the picture's typical curve; the anomaly is the root-mean-square over qualities of
    the robust z-scores, averaged over 3×3 blocks.
    Fails when both compressions used the same quality, when the pasted part's 8×8 grid is not aligned with the
    picture's (only the aligned grid is re-saved here), when the last save was at a lower quality than the first
    (the ghost is erased), on resized or heavily filtered images, and on flat areas with no detail to quantise.
    Pass only qualities below the file's last save quality.
    """
    if len(qualities) < 3:
        return 0.0, np.zeros((1, 1)), (None, 0.0)
    diffs = resave_differences(rgb, qualities, block_px, checkpoint)
    whole = global_ghost(diffs, qualities)
    if diffs.shape[1] * diffs.shape[2] < 16:
        return 0.0, np.zeros(diffs.shape[1:]), whole
    level = diffs.mean(axis=0)
    usable = level > max(0.25, float(np.percentile(level, 30)))  # flat blocks have no curve to compare
    if usable.sum() < 16:
        return 0.0, np.zeros_like(level), whole
    curves = diffs / (level[None] + 1e-6)
    z = np.zeros_like(curves)
    for index in range(len(qualities)):
        z[index][usable] = robust_z(curves[index][usable])
    overall = np.sqrt((z**2).mean(axis=0))
    deviation = smooth(np.where(usable, overall, 0.0))
    anomaly = np.clip((deviation - 1.5) / 2.5, 0.0, 1.0)
    score = float(np.clip((top_share_mean(deviation) - 2.0) / 2.5, 0.0, 1.0))
    return score, anomaly, whole
