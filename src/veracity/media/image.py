"""Still images through Pillow, behind one guard: EXIF orientation applied, HEIC/AVIF where pillow-heif is installed.

Every picture Veracity opens (the file itself, a frame of an animation, an embedded thumbnail or preview) goes
through ``open_image`` and, for animations, ``seek_frame``. Pillow's decompression-bomb check stays on at the
configured pixel limit (Pillow raises above twice ``MAX_IMAGE_PIXELS``, so it is set to half the limit), and the size
in the header is checked against the limit before a pixel is decoded and again after every ``seek`` (a GIF frame
placed far outside the screen grows the canvas).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.config import Limits
from veracity.errors import MediaTooLarge, UnsupportedMedia

# How Pillow and its plug-ins say "these bytes are not a picture I can decode" (pillow-heif raises RuntimeError).
DECODE_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, SyntaxError, EOFError, RuntimeError)

EMBEDDED_MAX_PIXELS = 1_048_576  # an EXIF thumbnail or embedded preview is never decoded past ~1 MP

_heif_registered = False


def _arm_pillow(max_pixels: int) -> None:
    """Keep Pillow's own bomb check on: it raises ``DecompressionBombError`` above ``2 * MAX_IMAGE_PIXELS``."""
    global _heif_registered
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max(1, (max_pixels + 1) // 2)
    # Between half the limit and the limit Pillow only warns; the limit is ours to enforce, so the warning is noise.
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:
            pass
        _heif_registered = True


def check_size(image: Any, max_pixels: int, what: str) -> None:
    """Raise ``MediaTooLarge`` when the picture (or the animation's canvas, after a seek) is over ``max_pixels``."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise UnsupportedMedia(f"{what}: invalid dimensions {width}x{height}")
    if width * height > max_pixels:
        raise MediaTooLarge(f"{what}: {width}x{height} pixels is over the limit of {max_pixels} pixels per frame")


def open_image(source: Path | bytes, limits: Limits | None = None, *, max_pixels: int | None = None) -> Any:
    """Open lazily (header only) under the pixel limit; ``source`` is a path or the bytes of an embedded picture.

    ``max_pixels`` (default: ``limits.max_pixels``) can only tighten the limit, e.g. to ``EMBEDDED_MAX_PIXELS``.
    Raises ``MediaTooLarge`` for a picture over the limit and ``UnsupportedMedia`` for one Pillow can't read.
    """
    from PIL import Image

    configured = (limits or Limits.from_env()).max_pixels
    cap = min(configured, max_pixels) if max_pixels else configured
    _arm_pillow(configured)
    what = str(source) if isinstance(source, Path) else "embedded picture"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(source if isinstance(source, Path) else io.BytesIO(source))
    except Image.DecompressionBombError as exc:
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{claimed.group(1)} pixels" if claimed else "a size"
        raise MediaTooLarge(
            f"{what}: a frame grows the picture to {size}, over the limit of {configured} pixels per frame"
        ) from exc
    except DECODE_ERRORS as exc:  # UnidentifiedImageError is an OSError
        raise UnsupportedMedia(f"{what}: damaged or unsupported image ({exc})") from exc
    try:
        check_size(image, cap, what)
    except Exception:
        image.close()
        raise
    return image


def seek_frame(image: Any, index: int, limits: Limits | None = None, what: str = "animation") -> None:
    """``image.seek(index)``, then the size check again: a later frame can grow the canvas."""
    from PIL import Image

    max_pixels = (limits or Limits.from_env()).max_pixels
    try:
        image.seek(index)
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"{what}: frame {index} is over the limit of {max_pixels} pixels per frame") from exc
    check_size(image, max_pixels, what)


def load_rgb(path: Path, limits: Limits | None = None) -> np.ndarray:
    """Decode to an H×W×3 uint8 RGB array, upright as a viewer would show it.

    Peak memory is the decoded picture plus the array (copied over in bands), not three whole copies."""
    from PIL import ImageOps

    with open_image(path, limits) as image:
        try:
            if image.getexif().get(0x0112, 1) in (2, 3, 4, 5, 6, 7, 8):
                upright = ImageOps.exif_transpose(image)
            else:
                image.load()
                upright = image
            rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
            if rgb is not upright and upright is not image:
                upright.close()
            return _to_array(rgb)
        except MemoryError as exc:
            raise MediaTooLarge(f"{path}: needs more memory than this process may use to decode") from exc
        except DECODE_ERRORS as exc:
            raise UnsupportedMedia(f"{path}: image data is damaged or truncated ({exc})") from exc


def _to_array(image: Any, band_bytes: int = 1 << 22) -> np.ndarray:
    """An RGB Pillow image as a new array, copied in bands of about ``band_bytes`` (``np.asarray`` would first
    make a bytes copy of the whole picture)."""
    width, height = image.size
    out = np.empty((height, width, 3), dtype=np.uint8)
    rows = max(1, band_bytes // max(1, width * 3))
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        out[top:bottom] = np.asarray(image.crop((0, top, width, bottom)), dtype=np.uint8)
    return out


def embedded_gray(data: bytes, side_px: int) -> Any:
    """An embedded thumbnail or preview (JPEG bytes) as a small greyscale Pillow image, or None when it is too big
    (over ``EMBEDDED_MAX_PIXELS``) or unreadable. JPEGs are drafted, so the decoder works at reduced scale."""
    from veracity.errors import VeracityError

    try:
        with open_image(data, max_pixels=EMBEDDED_MAX_PIXELS) as image:
            if image.format == "JPEG":
                image.draft("L", (side_px, side_px))
            small = image.convert("L")
            small.load()
            return small
    except VeracityError:
        return None
    except DECODE_ERRORS:
        return None


def reduce_rgb(rgb: np.ndarray, factor: int, band_bytes: int = 1 << 24) -> np.ndarray:
    """Box-reduce an H×W×3 uint8 picture by a whole ``factor`` (each output pixel the mean of a factor×factor
    block, as ``Image.reduce``), in bands of whole blocks: the same pixels as reducing it at once, without
    Pillow's full-size copy of the picture (4 bytes a pixel: 400 MB for 100 MP)."""
    from PIL import Image

    if factor <= 1:
        return rgb
    height, width = rgb.shape[:2]
    rows = max(1, band_bytes // max(1, width * 3 * factor)) * factor
    bands = [np.asarray(Image.fromarray(np.ascontiguousarray(rgb[top : top + rows])).reduce(factor))
             for top in range(0, height, rows)]
    return bands[0] if len(bands) == 1 else np.concatenate(bands)


def downscale(rgb: np.ndarray, max_side_px: int) -> np.ndarray:
    """At most ``max_side_px`` on the longest side (bilinear). A picture over twice that is first box-reduced by a
    whole factor in bands (``reduce_rgb``), so a huge picture never gets a full-size Pillow copy."""
    height, width = rgb.shape[:2]
    if max(height, width) <= max_side_px:
        return rgb
    from PIL import Image

    rgb = reduce_rgb(rgb, max(height, width) // (2 * max_side_px))
    scale = max_side_px / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize(size, Image.Resampling.BILINEAR))


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
    return WorkingImage(reduce_rgb(rgb, factor), factor)
