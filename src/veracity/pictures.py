"""Small pictures for evidence: heatmaps over an image, encoded as PNG. Pure numpy + Pillow."""

from __future__ import annotations

import io
from functools import cache

import numpy as np

# A perceptually ordered ramp (dark blue → teal → yellow → red) sampled at 5 stops.
_STOPS = np.array([[0.0, 0.0, 0.35], [0.0, 0.45, 0.6], [0.2, 0.75, 0.4], [1.0, 0.85, 0.1], [0.85, 0.1, 0.05]])


def colorize(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to RGB uint8."""
    v = np.clip(np.nan_to_num(values.astype(np.float32)), 0.0, 1.0) * (len(_STOPS) - 1)
    low = np.floor(v).astype(int).clip(0, len(_STOPS) - 2)
    frac = (v - low)[..., None]
    rgb = _STOPS[low] * (1 - frac) + _STOPS[low + 1] * frac
    return (rgb * 255).astype(np.uint8)


@cache
def _level_colours() -> np.ndarray:
    """``colorize`` of the 256 levels of an 8-bit heatmap (float32 RGB): a table lookup instead of interpolating
    every pixel of a heatmap that was already quantized to 8 bits (the same colours, ten times faster)."""
    return colorize(np.arange(256, dtype=np.float32) / 255.0).astype(np.float32)


# zlib level of evidence PNGs: level 3 is ~7 % larger than Pillow's ``optimize=True`` and ~15× faster (0.03 s
# instead of 0.43 s for a 640×480 picture, and a report holds a dozen such pictures).
PNG_COMPRESS_LEVEL = 3


EVIDENCE_SIDE_PX = 800  # evidence pictures are stored at most this large on their longest side


def png_bytes(rgb: np.ndarray, max_side_px: int = EVIDENCE_SIDE_PX) -> bytes:
    from PIL import Image

    image = Image.fromarray(rgb)
    if max(image.size) > max_side_px:
        image.thumbnail((max_side_px, max_side_px), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def heatmap_overlay(
    rgb: np.ndarray, heat: np.ndarray, *, alpha: float = 0.55, box_xyxy: tuple[int, int, int, int] | None = None,
    max_side_px: int = EVIDENCE_SIDE_PX,
) -> np.ndarray:
    """Blend a [0, 1] heatmap (any size; resized to the image) over a greyed copy of the image.

    The overlay is made at most ``max_side_px`` on its longest side (the box, in the image's pixels, is scaled
    with it): evidence pictures are stored at that size (``png_bytes``), and a full-resolution float copy of a
    24-MP photo costs ~1 GB.
    """
    from PIL import Image

    from veracity.media.image import reduce_rgb

    height, width = rgb.shape[:2]
    if max(height, width) > max_side_px:
        scale = max_side_px / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        reduced = reduce_rgb(rgb, max(height, width) // max_side_px)  # in bands: no full-size Pillow copy
        rgb = np.asarray(Image.fromarray(np.ascontiguousarray(reduced)).resize(size, Image.Resampling.BOX))
        if box_xyxy is not None:
            box_xyxy = tuple(round(v * scale) for v in box_xyxy)  # type: ignore[assignment]
        height, width = rgb.shape[:2]
    heat_img = Image.fromarray((np.clip(heat, 0, 1) * 255).astype(np.uint8)).resize((width, height))
    levels = np.asarray(heat_img)
    colours = _level_colours()[levels]  # = colorize(levels / 255), looked up
    grey = rgb.astype(np.float32).mean(axis=2, keepdims=True).repeat(3, axis=2)
    weight = alpha * (levels.astype(np.float32)[..., None] / 255.0) ** 0.5
    out = (grey * (1 - weight) + colours * weight).clip(0, 255).astype(np.uint8)
    if box_xyxy is not None:
        draw_box(out, box_xyxy)
    return out


def draw_box(
    rgb: np.ndarray, box_xyxy: tuple[int, int, int, int], colour: tuple[int, int, int] = (255, 0, 255)
) -> None:
    height, width = rgb.shape[:2]
    thickness = max(2, min(height, width) // 200)
    x0, y0, x1, y1 = (int(v) for v in box_xyxy)
    x0, x1 = max(0, x0), min(width - 1, x1)
    y0, y1 = max(0, y0), min(height - 1, y1)
    rgb[y0 : y0 + thickness, x0:x1] = colour
    rgb[max(y1 - thickness, 0) : y1, x0:x1] = colour
    rgb[y0:y1, x0 : x0 + thickness] = colour
    rgb[y0:y1, max(x1 - thickness, 0) : x1] = colour


def reencode(content: bytes, *, fmt: str = "WEBP", quality: int = 75, max_side_px: int | None = None) -> bytes:
    """Re-encode a picture (PNG, JPEG…) lossily as WEBP or JPEG, shrunk to ``max_side_px``: compact report pictures."""
    from PIL import Image

    with Image.open(io.BytesIO(content)) as opened:
        image = opened.convert("RGB")
    if max_side_px is not None and max(image.size) > max_side_px:
        image.thumbnail((max_side_px, max_side_px), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    extra = {"method": 6} if fmt == "WEBP" else {"optimize": True}
    image.save(buffer, format=fmt, quality=quality, **extra)
    return buffer.getvalue()
