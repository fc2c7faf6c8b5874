"""Animated GIF, WebP and APNG: decoded by Pillow (FFmpeg cannot read animated WebP)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from veracity.errors import UnsupportedMedia

_DEFAULT_FRAME_S = 0.1  # browsers show a 0 or missing delay as ~100 ms


def webp_frame_durations_s(data: bytes) -> list[float]:
    """Durations of an animated WebP's frames, read from its RIFF ``ANMF`` chunks (Pillow 13 reports none)."""
    durations: list[float] = []
    offset = 12
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        if fourcc == b"ANMF" and offset + 8 + 16 <= len(data):
            payload = data[offset + 8 : offset + 8 + 16]
            durations.append(int.from_bytes(payload[12:15], "little") / 1000.0)
        offset += 8 + size + (size & 1)
    return durations


def animated_timing(path: Path, container: str) -> list[float]:
    """Display time of each frame in seconds."""
    from veracity.media.image import open_image

    if container == "webp":
        durations = webp_frame_durations_s(path.read_bytes())
    else:
        durations = []
        with open_image(path) as image:
            try:
                for index in range(getattr(image, "n_frames", 1)):
                    image.seek(index)
                    durations.append(float(image.info.get("duration") or 0) / 1000.0)
            except (OSError, EOFError, ValueError) as exc:
                if not durations:
                    raise UnsupportedMedia(f"{path}: damaged animation ({exc})") from exc
    return [d if d > 0.011 else _DEFAULT_FRAME_S for d in durations]


def iter_animated(path: Path, container: str, wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (frame index, RGB array) for the wanted frame indices, in order."""
    from veracity.media.image import open_image

    last = max(wanted) if wanted else -1
    with open_image(path) as image:
        for index in range(last + 1):
            try:
                image.seek(index)
            except EOFError:
                return
            if index in wanted:
                yield index, np.asarray(image.convert("RGB"), dtype=np.uint8)
