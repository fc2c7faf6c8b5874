"""Animated GIF, WebP and APNG: timing and frame rectangles read from the bytes, pixels decoded by Pillow (FFmpeg
cannot read animated WebP).

Probing never decodes a frame: durations and where each frame sits come from the GIF blocks, the APNG ``fcTL``
chunks and the WebP ``ANMF`` chunks, so a file with hundreds of frames on a huge canvas probes in milliseconds and
its canvas (which grows to hold a frame placed outside the screen) is checked against the limits first. Decoding is
budgeted: Pillow composites every frame up to the last one asked for, so at most ``DECODE_BUDGET_PIXELS`` canvas
pixels are decoded per file; a longer animation on a huge canvas is analysed over its first frames.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.config import Limits
from veracity.errors import UnsupportedMedia

_DEFAULT_FRAME_S = 0.1  # browsers show a 0 or missing delay as ~100 ms
DECODE_BUDGET_PIXELS = 500_000_000  # canvas pixels composited per pass (20 frames of 25 MP, 240 of 1080p)


@dataclass(frozen=True)
class Layout:
    canvas: tuple[int, int]  # width, height: the screen grown to hold every frame
    durations_s: tuple[float, ...]  # as stored (0 where none)


def webp_frame_durations_s(data: bytes | mmap.mmap) -> list[float]:
    """Durations of an animated WebP's frames, read from its RIFF ``ANMF`` chunks (Pillow 13 reports none)."""
    return list(_webp_layout(data).durations_s)


def _webp_layout(data: bytes | mmap.mmap) -> Layout:
    durations: list[float] = []
    width = height = 0
    offset = 12
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        payload = offset + 8
        if fourcc == b"VP8X" and payload + 10 <= len(data):
            width = int.from_bytes(data[payload + 4 : payload + 7], "little") + 1
            height = int.from_bytes(data[payload + 7 : payload + 10], "little") + 1
        elif fourcc == b"ANMF" and payload + 16 <= len(data):
            frame = data[payload : payload + 16]
            x, y = 2 * int.from_bytes(frame[0:3], "little"), 2 * int.from_bytes(frame[3:6], "little")
            w, h = int.from_bytes(frame[6:9], "little") + 1, int.from_bytes(frame[9:12], "little") + 1
            width, height = max(width, x + w), max(height, y + h)
            durations.append(int.from_bytes(frame[12:15], "little") / 1000.0)
        offset = payload + size + (size & 1)
    return Layout((width, height), tuple(durations))


def _skip_sub_blocks(data: bytes | mmap.mmap, pos: int) -> int:
    while True:
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def _gif_layout(data: bytes | mmap.mmap) -> Layout:
    width, height = struct.unpack("<HH", data[6:10])
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    durations: list[float] = []
    delay = 0.0
    try:
        while pos < len(data):
            block = data[pos]
            pos += 1
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: graphic control (0xF9) carries the delay in 1/100 s
                label = data[pos]
                if label == 0xF9 and data[pos + 1] >= 4:
                    delay = struct.unpack("<H", data[pos + 3 : pos + 5])[0] / 100.0
                pos = _skip_sub_blocks(data, pos + 1)
            elif block == 0x2C:  # image descriptor
                left, top, w, h = struct.unpack("<4H", data[pos : pos + 8])
                local = data[pos + 8]
                pos += 9 + (3 * (2 << (local & 7)) if local & 0x80 else 0)
                pos = _skip_sub_blocks(data, pos + 1)  # after the LZW minimum code size
                width, height = max(width, left + w), max(height, top + h)
                durations.append(delay)
                delay = 0.0
            else:
                break  # garbage after the frames: Pillow stops there too
    except (IndexError, struct.error):
        pass  # truncated: the frames read so far
    return Layout((width, height), tuple(durations))


def _png_layout(data: bytes | mmap.mmap) -> Layout:
    width, height = struct.unpack(">II", data[16:24])
    durations: list[float] = []
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"fcTL" and length >= 26 and pos + 8 + 26 <= len(data):
            _seq, w, h, x, y = struct.unpack(">5I", data[pos + 8 : pos + 28])
            num, den = struct.unpack(">HH", data[pos + 28 : pos + 32])
            width, height = max(width, x + w), max(height, y + h)
            durations.append(num / (den or 100))
        if kind == b"IEND":
            break
        pos += 12 + length
    return Layout((width, height), tuple(durations))


def animation_layout(path: Path, container: str) -> Layout:
    """Canvas and frame durations from the file's bytes, without decoding (memory-mapped, never read whole)."""
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if container == "gif":
                return _gif_layout(data)
            if container == "webp":
                return _webp_layout(data)
            if container == "png":
                return _png_layout(data)
    except (OSError, ValueError, struct.error, IndexError) as exc:
        raise UnsupportedMedia(f"{path}: damaged animation ({exc})") from exc
    raise UnsupportedMedia(f"{path}: {container} animations are not supported")


def animated_timing(path: Path, container: str) -> list[float]:
    """Display time of each frame in seconds."""
    durations = animation_layout(path, container).durations_s
    if not durations:
        raise UnsupportedMedia(f"{path}: damaged animation (no frames found)")
    return [d if d > 0.011 else _DEFAULT_FRAME_S for d in durations]


def decodable_frames(canvas: tuple[int, int], frame_count: int, budget_pixels: int = DECODE_BUDGET_PIXELS) -> int:
    """How many leading frames fit the decoding budget (at least one)."""
    pixels = max(1, canvas[0] * canvas[1])
    return max(1, min(frame_count, budget_pixels // pixels))


def iter_animated(
    path: Path, container: str, wanted: set[int], *, max_side_px: int | None = None, limits: Limits | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (frame index, RGB array) for the wanted frame indices, in order, downscaled to ``max_side_px``."""
    from veracity.media.image import open_image, seek_frame

    last = max(wanted) if wanted else -1
    with open_image(path, limits) as image:
        for index in range(last + 1):
            try:
                seek_frame(image, index, limits, str(path))
            except EOFError:
                return
            if index in wanted:
                yield index, _frame_rgb(image, max_side_px)


def _frame_rgb(image: Any, max_side_px: int | None) -> np.ndarray:
    from PIL import Image

    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if max_side_px and max(rgb.size) > max_side_px:
        scale = max_side_px / max(rgb.size)
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(rgb, dtype=np.uint8)
