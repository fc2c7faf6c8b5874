"""Probe a file: its kind and format from content, its streams, its sha256, and the limits, before decoding."""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any

from veracity.config import Limits
from veracity.errors import InputNotFound, MediaTooLarge, UnsupportedMedia
from veracity.evidence import MediaInfo, MediaKind, StreamInfo
from veracity.media._sniff import HEADER_BYTES, IMAGE_CONTAINERS, sniff_container

_AUDIO_ONLY = {"wav", "flac", "ogg", "mp3", "aac", "m4a", "aiff"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The highest sample rate of real recordings (768-kHz studio PCM). A header claiming more is damaged, and resampling
# from it costs memory in proportion to the rate (a WAV claiming 939 MHz took 1 GB to decode nothing).
MAX_SAMPLE_RATE_HZ = 768_000


def probe(path: str | Path, limits: Limits | None = None) -> MediaInfo:
    """Describe ``path`` without decoding pixels or samples; raise a ``VeracityError`` with a plain reason."""
    limits = limits or Limits()
    path = Path(path)
    size, head = read_head(path)
    if size > limits.max_file_bytes:
        raise MediaTooLarge(f"{path}: {size} bytes is over the limit of {limits.max_file_bytes}")
    container = sniff_container(head)
    _check_limits(path, header_size(head, container), limits)
    if container in IMAGE_CONTAINERS:
        info = _probe_still_or_animated(path, container, limits)
    else:
        info = _probe_av(path, container)
    _check_limits(path, info, limits)
    return MediaInfo(path=str(path), size_bytes=size, sha256=sha256_file(path), **info)


def read_head(path: Path) -> tuple[int, bytes]:
    """Size and first bytes of a regular file. FIFOs, devices and sockets are refused by ``fstat`` on a handle
    opened without blocking, so a FIFO never hangs the caller."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        if path.is_symlink():
            raise InputNotFound(f"{path}: a link to a file that does not exist") from None
        raise InputNotFound(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnsupportedMedia(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputNotFound(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnsupportedMedia(f"{path}: is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise UnsupportedMedia(f"{path}: not a regular file ({_file_type(info.st_mode)})")
        if info.st_size == 0:
            raise UnsupportedMedia(f"{path}: empty file")
        try:
            head = os.read(fd, HEADER_BYTES)
        except OSError as exc:
            raise InputNotFound(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    return info.st_size, head


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO or pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def header_size(head: bytes, container: str | None) -> dict[str, Any]:
    """Picture size straight from the first bytes (PNG, GIF, WebP, BMP), before any decoder sees the file."""
    try:
        if container == "png" and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
        elif container == "gif":
            width, height = struct.unpack("<HH", head[6:10])
        elif container == "webp" and head[12:16] == b"VP8X":
            width = int.from_bytes(head[24:27], "little") + 1
            height = int.from_bytes(head[27:30], "little") + 1
        elif container == "bmp":
            width, height = struct.unpack("<ii", head[18:26])
            height = abs(height)
        else:
            return {}
    except struct.error:
        return {}
    return {"width": width, "height": height}


def _check_limits(path: Path, info: dict[str, Any], limits: Limits) -> None:
    width, height = info.get("width"), info.get("height")
    if width is not None and height is not None:
        if width <= 0 or height <= 0:
            raise UnsupportedMedia(f"{path}: invalid dimensions {width}x{height}")
        if width * height > limits.max_pixels:
            raise MediaTooLarge(
                f"{path}: {width}x{height} pixels is over the limit of {limits.max_pixels} pixels per frame"
            )
    duration = info.get("duration_s")
    if duration is not None and duration > limits.max_duration_s:
        raise MediaTooLarge(f"{path}: {duration:.0f} s is over the limit of {limits.max_duration_s:.0f} s")


def _probe_still_or_animated(path: Path, container: str, limits: Limits) -> dict[str, Any]:
    from veracity.media.image import open_image

    # open_image checks the header's size (Pillow's bomb check and ours) before anything else is read; only then
    # is the file asked whether it is animated.
    with open_image(path, limits) as image:
        width, height = image.size
        animated = bool(getattr(image, "is_animated", False))
        if not animated:
            return {"kind": MediaKind.IMAGE, "container": container, "width": width, "height": height}
    from veracity.media.animated import animated_timing, animation_layout

    layout = animation_layout(path, container)
    width, height = max(width, layout.canvas[0]), max(height, layout.canvas[1])
    _check_limits(path, {"width": width, "height": height}, limits)
    # Pillow keeps about three RGB(A) canvases while it composites frames (12 bytes a pixel): animations get a
    # quarter of the picture limit, so a 100-MP limit means 25 MP (5000x5000) canvases and ~0.3 GB.
    cap = animation_max_pixels(limits)
    if width * height > cap:
        raise MediaTooLarge(
            f"{path}: an animation of {width}x{height} pixels is over the limit of {cap} pixels per frame for "
            "animations (a quarter of VERACITY_MAX_PIXELS)"
        )
    durations_s = animated_timing(path, container)
    total = sum(durations_s)
    return {
        "kind": MediaKind.VIDEO,
        "container": container,
        "width": width,
        "height": height,
        "frame_count": len(durations_s),
        "duration_s": round(total, 4) if total > 0 else None,
        "fps": round(len(durations_s) / total, 4) if total > 0 else None,
    }


def animation_max_pixels(limits: Limits) -> int:
    return max(1, limits.max_pixels // 4)


def _probe_av(path: Path, container: str | None) -> dict[str, Any]:
    import av

    from veracity.media._av import open_av

    try:
        with open_av(path, container) as handle:
            streams = tuple(_stream_info(s) for s in handle.streams)
            tags = {str(k): str(v) for k, v in (handle.metadata or {}).items()}
            duration = handle.duration / 1_000_000 if handle.duration else None
            bit_rate = handle.bit_rate or None
            format_name = handle.format.name.split(",")[0]
    except av.error.FFmpegError as exc:
        what = "an unrecognised format" if container is None else f"a damaged {container} file"
        raise UnsupportedMedia(f"{path}: not a readable image, video or audio file ({what}: {exc.strerror})") from exc
    except (AttributeError, ValueError, TypeError, ArithmeticError) as exc:
        # PyAV gives up on impossible headers (a WAV with 0 bits per sample has no codec) with plain errors
        what = "an unrecognised format" if container is None else f"a damaged {container} file"
        raise UnsupportedMedia(f"{path}: not a readable image, video or audio file ({what}: its header describes "
                               "no stream that can be decoded)") from exc
    video = next((s for s in streams if s.type == "video"), None)
    audio = next((s for s in streams if s.type == "audio"), None)
    if video is None and audio is None:
        raise UnsupportedMedia(f"{path}: holds no video or audio (empty or zero-length media)")
    if duration is None:
        durations = [s.duration_s for s in streams if s.duration_s]
        duration = max(durations) if durations else None
    if duration is not None and duration <= 0:
        duration = None
    kind = MediaKind.VIDEO if video is not None and container not in _AUDIO_ONLY else MediaKind.AUDIO
    if kind is MediaKind.VIDEO and video is not None and not duration and not video.frame_count:
        raise UnsupportedMedia(f"{path}: video stream holds no frames")
    if kind is MediaKind.VIDEO and video is not None and not (video.width and video.height):
        raise UnsupportedMedia(f"{path}: the video stream has no picture size (damaged or not a video)")
    if kind is MediaKind.AUDIO and audio is None:
        raise UnsupportedMedia(f"{path}: no audio stream")
    if audio is not None and (audio.sample_rate_hz or 0) > MAX_SAMPLE_RATE_HZ:
        if kind is MediaKind.AUDIO:
            raise UnsupportedMedia(f"{path}: its audio stream claims {audio.sample_rate_hz} samples per second, over "
                                   f"the {MAX_SAMPLE_RATE_HZ} of any real recording (a damaged header)")
        audio = None  # a video's damaged audio track is left out, the pictures are still analysed
    main = video if kind is MediaKind.VIDEO else audio
    if main is not None and main.codec is None:
        raise UnsupportedMedia(f"{path}: its {main.type} stream has no decoder (a damaged or impossible header)")
    return {
        "kind": kind,
        "container": container or format_name,
        "width": video.width if kind is MediaKind.VIDEO and video else None,
        "height": video.height if kind is MediaKind.VIDEO and video else None,
        "fps": video.fps if kind is MediaKind.VIDEO and video else None,
        "frame_count": video.frame_count if kind is MediaKind.VIDEO and video else None,
        "duration_s": round(duration, 4) if duration else None,
        "has_audio": audio is not None,
        "bit_rate": bit_rate,
        "rotation_deg": (video.rotation_deg or 0) if kind is MediaKind.VIDEO and video else 0,
        "streams": streams,
        "tags": tags,
    }


def _stream_info(stream: Any) -> StreamInfo:
    """Every stream PyAV lists: data (timecode, phone timed metadata), subtitle and attachment streams carry no
    codec context or bit rate, so each attribute is read only where that stream type has it."""
    kind = stream.type if stream.type in ("video", "audio", "subtitle", "data") else "other"
    ctx = getattr(stream, "codec_context", None)
    duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
    info: dict[str, Any] = {
        "index": stream.index,
        "type": kind,
        "codec": ctx.name if ctx is not None else None,
        "bit_rate": getattr(stream, "bit_rate", None) or None,
        "duration_s": round(duration, 4) if duration else None,
        "tags": {str(k): str(v) for k, v in (stream.metadata or {}).items()},
    }
    if kind == "video" and ctx is not None:
        rate = stream.average_rate or stream.guessed_rate
        info.update(
            width=ctx.width or None,
            height=ctx.height or None,
            fps=round(float(Fraction(rate)), 4) if rate else None,
            frame_count=stream.frames or None,
            rotation_deg=_rotation(stream),
        )
    elif kind == "audio" and ctx is not None:
        info.update(
            sample_rate_hz=ctx.sample_rate or None,
            channels=ctx.channels or None,
            channel_layout=getattr(ctx.layout, "name", None),
        )
    return StreamInfo(**info)


def _rotation(stream: Any) -> int:
    """Rotation from the legacy ``rotate`` tag; decoders also apply each frame's display matrix."""
    try:
        return int(float((stream.metadata or {}).get("rotate", 0))) % 360
    except ValueError:
        return 0
