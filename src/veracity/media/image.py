"""Still images through Pillow: EXIF orientation applied, HEIC/AVIF where pillow-heif is installed."""

from __future__ import annotations

import warnings
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
