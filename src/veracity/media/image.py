"""Still images through Pillow: EXIF orientation applied, HEIC/AVIF where pillow-heif is installed."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import UnsupportedMedia

_heif_registered = False


def open_image(path: Path) -> Any:
    """Open lazily (header only). Pillow's own decompression-bomb guard is off: our limits are checked instead."""
    global _heif_registered
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:
            pass
        _heif_registered = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Image.open(path)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedMedia(f"{path}: damaged or unsupported image ({exc})") from exc


def load_rgb(path: Path) -> np.ndarray:
    """Decode to an H×W×3 uint8 RGB array, upright as a viewer would show it."""
    from PIL import ImageOps

    with open_image(path) as image:
        try:
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
            rgb.load()
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise UnsupportedMedia(f"{path}: image data is damaged or truncated ({exc})") from exc
    return np.asarray(rgb, dtype=np.uint8)


def downscale(rgb: np.ndarray, max_side_px: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    if max(height, width) <= max_side_px:
        return rgb
    from PIL import Image

    scale = max_side_px / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))


WORKING_MAX_SIDE_PX = 2048  # analyzers that read content, not the pixel grid, see pictures at most this large


@dataclass(frozen=True)
class WorkingImage:
    """A bounded copy of a picture and how its pixels map to the full picture's."""

    rgb: np.ndarray  # H×W×3 uint8
    factor: int  # full-resolution pixels per working pixel, on each axis (1 = the picture itself)

    def to_full_box(self, box_xyxy: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A box in working pixels as a box in the full picture's pixels."""
        x0, y0, x1, y1 = box_xyxy
        f = self.factor
        return (x0 * f, y0 * f, x1 * f, y1 * f)


def working_copy(rgb: np.ndarray, max_side_px: int | None = None) -> WorkingImage:
    """Reduce by the smallest whole factor that brings the longest side to at most ``max_side_px``.

    A box (mean) reduction by a whole factor keeps every working pixel the average of the same number of camera
    pixels, so noise and texture stay spatially uniform (a fractional resampling filter would vary them with the
    phase of the grid). Small pictures come back as they are (no copy).
    """
    factor = -(-max(rgb.shape[:2]) // (max_side_px or WORKING_MAX_SIDE_PX))
    if factor <= 1:
        return WorkingImage(rgb, 1)
    from PIL import Image

    reduced = Image.fromarray(np.ascontiguousarray(rgb)).reduce(factor)
    return WorkingImage(np.asarray(reduced), factor)
