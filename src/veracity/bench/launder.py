"""Re-encode media the way a social platform does, so format and metadata shortcuts can't carry a score.

- images: upright RGB (transparency flattened on white), longest side ≤ 1024 px, JPEG quality 85, no metadata;
- video, animated GIF / WebP: H.264 yuv420p CRF 23 in MP4, at most 720p (short side ≤ 720, long side ≤ 1280,
  even dimensions), AAC audio when the source has sound, no metadata;
- audio: mono 22.05 kHz MP3 at 64 kb/s, no metadata.

Rotation and EXIF orientation are applied to the pixels, as platforms do; decoded video is re-timed at its
average frame rate (constant frame rate), animations keep their frame durations. The x264 encoder still writes its
version and settings into the stream (platforms' encoders do the same). Laundered copies are cached by the
source's sha256 under ``~/.cache/veracity/launder`` (or ``$VERACITY_LAUNDER_CACHE``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from veracity.config import Limits, SamplingPlan
from veracity.errors import UnsupportedMedia, VeracityError
from veracity.evidence import MediaInfo, MediaKind

RECIPE = "v4"  # bump when the recipe or its bytes change, so stale cached copies are not reused
# (v3: re-timed decoding; v4: byte-reproducible H.264, see X264_OPTIONS)
IMAGE_MAX_SIDE_PX = 1024
JPEG_QUALITY = 85
VIDEO_MAX_SHORT_SIDE_PX = 720
VIDEO_MAX_LONG_SIDE_PX = 1280
VIDEO_CRF = 23
VIDEO_AUDIO_BIT_RATE = 128_000
AUDIO_SAMPLE_RATE_HZ = 22_050
AUDIO_BIT_RATE = 64_000
_EXTENSIONS = {MediaKind.IMAGE: "jpg", MediaKind.VIDEO: "mp4", MediaKind.AUDIO: "mp3"}
_TIME_BASE = Fraction(1, 1000)
# Byte-reproducible H.264: x264's output depends on its thread count, whose default follows the CPUs this process
# may use; and its AVX-512 macroblock-tree code reads uninitialised stack memory (valgrind), so with mbtree on, the
# same frames gave different packets from run to run on AVX-512 machines. Without mbtree, x264 limited to the
# SSE4.2, AVX, AVX2 or AVX-512 instruction sets gave the same bytes (plain C or SSE2 only: different bytes).
X264_OPTIONS = {"threads": "1", "mbtree": "0"}


class LaunderFailed(VeracityError):
    """The file could not be re-encoded."""


def default_cache_dir() -> Path:
    configured = os.environ.get("VERACITY_LAUNDER_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "veracity" / "launder"


def launder(src: str | Path, cache_dir: str | Path | None = None, limits: Limits | None = None) -> Path:
    """Return the path of the laundered copy of ``src``, making it unless the cache already holds it."""
    from veracity.media.probe import probe, sha256_file

    src = Path(src)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = sha256_file(src)
    for ext in _EXTENSIONS.values():
        cached = folder / digest[:2] / f"{digest}-{RECIPE}.{ext}"
        if cached.is_file():
            return cached
    info = probe(src, limits)
    dst = folder / digest[:2] / f"{digest}-{RECIPE}.{_EXTENSIONS[info.kind]}"
    dst.parent.mkdir(parents=True, exist_ok=True)
    partial = dst.with_name(f".{dst.name}.{os.getpid()}.part")
    try:
        if info.kind is MediaKind.IMAGE:
            launder_image(src, partial)
        elif info.kind is MediaKind.VIDEO:
            launder_video(info, partial)
        else:
            launder_audio(src, partial)
        partial.replace(dst)
    except VeracityError:
        raise
    except Exception as exc:  # noqa: BLE001 - encoder faults become a plain per-file reason
        raise LaunderFailed(f"{src}: could not be re-encoded ({type(exc).__name__}: {exc})") from exc
    finally:
        partial.unlink(missing_ok=True)
    return dst


def launder_image(src: Path, dst: Path) -> None:
    from PIL import Image, ImageOps

    from veracity.media.image import open_image

    with open_image(src) as image:
        try:
            upright = ImageOps.exif_transpose(image)
            upright.load()
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise UnsupportedMedia(f"{src}: image data is damaged or truncated ({exc})") from exc
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = upright.convert("RGB")
    flat.thumbnail((IMAGE_MAX_SIDE_PX, IMAGE_MAX_SIDE_PX), Image.Resampling.LANCZOS)
    # No exif=, icc_profile= or comment: Pillow writes none of them unless asked.
    flat.save(dst, format="JPEG", quality=JPEG_QUALITY, optimize=True)


def video_max_side_px(width: int, height: int) -> int:
    """Longest side that keeps the frame within 720p (short side ≤ 720, long side ≤ 1280), never upscaling."""
    long_side, short_side = max(width, height), min(width, height)
    return min(long_side, VIDEO_MAX_LONG_SIDE_PX, int(VIDEO_MAX_SHORT_SIDE_PX * long_side / max(short_side, 1)))


def _all_frames(info: MediaInfo, max_side_px: int | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Every frame, upright and within ``max_side_px``, with its display time from 0 s."""
    from veracity.media._sniff import IMAGE_CONTAINERS
    from veracity.media.video import iter_frames

    if not info.width or not info.height:
        raise UnsupportedMedia(f"{info.path}: video has no frame size")
    side = max_side_px or video_max_side_px(info.width, info.height)
    if info.container not in IMAGE_CONTAINERS:
        yield from _decoded_frames(info, side)
        return
    # Animated GIF / WebP: per-frame durations are real, keep them.
    plan = SamplingPlan(fps_cap=1000.0, max_frames=10_000_000, max_side_px=side)
    for frame in iter_frames(info, plan):
        yield frame.time_s, frame.rgb


def _frame_rate(info: MediaInfo) -> Fraction:
    return Fraction(info.fps).limit_denominator(1001) if info.fps and info.fps > 0 else Fraction(25)


def _decoded_frames(info: MediaInfo, max_side_px: int) -> Iterator[tuple[float, np.ndarray]]:
    """All frames in display order, re-timed at the stream's average rate (constant frame rate, as platforms
    output). Container timestamps are not trusted: AVI with packed B-frames labels frames out of order."""
    import av

    rate = _frame_rate(info)
    index = 0
    try:
        with av.open(info.path, metadata_errors="ignore") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                scale = min(1.0, max_side_px / max(frame.width, frame.height))
                width = max(2, round(frame.width * scale) // 2 * 2)
                height = max(2, round(frame.height * scale) // 2 * 2)
                rgb: np.ndarray = frame.to_ndarray(format="rgb24", width=width, height=height)
                rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                if rotation:
                    rgb = np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))
                yield float(index / rate), rgb
                index += 1
    except av.error.FFmpegError as exc:
        if index == 0:
            raise UnsupportedMedia(f"{info.path}: video could not be decoded ({exc.strerror})") from exc
        # A damaged tail: keep the frames before it, as analysis does.


def _even(rgb: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """Match the first frame's size (width, height), or crop to even dimensions for yuv420p."""
    if size is not None and (rgb.shape[1], rgb.shape[0]) != size:
        from PIL import Image

        return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
    height, width = rgb.shape[:2]
    return rgb[: max(2, height - height % 2), : max(2, width - width % 2)]


def launder_video(info: MediaInfo, dst: Path, *, crf: int = VIDEO_CRF, max_side_px: int | None = None) -> None:
    """``crf`` and ``max_side_px`` (default: the 720p bound) let the robustness check vary the damage."""
    import av

    frames = _all_frames(info, max_side_px)
    first = next(frames, None)
    if first is None:
        raise UnsupportedMedia(f"{info.path}: no video frames could be decoded")
    rate = _frame_rate(info)
    options = {"fflags": "+bitexact", "movflags": "+faststart"}
    with av.open(str(dst), mode="w", format="mp4", options=options) as out:
        out.metadata.clear()
        first_rgb = _even(first[1], None)
        size = (first_rgb.shape[1], first_rgb.shape[0])
        video = out.add_stream("libx264", rate=rate, options={"crf": str(crf), "preset": "medium", **X264_OPTIONS})
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = _TIME_BASE
        audio_packets = _encode_audio_track(Path(info.path), out) if info.has_audio else []
        last_pts = -1
        for time_s, rgb in _chain(first, frames):
            pts = max(round(time_s / _TIME_BASE), last_pts + 1)
            last_pts = pts
            frame = av.VideoFrame.from_ndarray(_even(rgb, size), format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = pts, _TIME_BASE
            for packet in video.encode(frame):
                audio_packets = _mux_audio_until(out, audio_packets, packet)
                out.mux(packet)
        for packet in video.encode(None):
            audio_packets = _mux_audio_until(out, audio_packets, packet)
            out.mux(packet)
        for packet in audio_packets:
            out.mux(packet)


_TimedFrame = tuple[float, np.ndarray]


def _chain(first: _TimedFrame, rest: Iterator[_TimedFrame]) -> Iterator[_TimedFrame]:
    yield first
    yield from rest


def _encode_audio_track(src: Path, out: Any) -> list[Any]:
    """Encode the source's first audio track to AAC; the packets wait to be interleaved with the video."""
    import av

    with av.open(str(src), metadata_errors="ignore") as container:
        if not container.streams.audio:
            return []
        source = container.streams.audio[0]
        channels = source.codec_context.channels or 1
        rate = source.codec_context.sample_rate if source.codec_context.sample_rate in (44_100, 48_000) else 44_100
        layout = "stereo" if channels >= 2 else "mono"
        stream = out.add_stream("aac", rate=rate, layout=layout)
        stream.bit_rate = VIDEO_AUDIO_BIT_RATE
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        packets: list[Any] = []
        next_pts = 0
        sample_time = Fraction(1, rate)  # resampled frames may keep the source's odd time base (AVI MP3: 32/1225)
        try:
            for decoded in container.decode(source):
                for frame in resampler.resample(decoded):
                    frame.pts, frame.time_base, next_pts = next_pts, sample_time, next_pts + frame.samples
                    packets.extend(stream.encode(frame))
        except av.error.FFmpegError:
            pass  # keep the sound up to the damage, as the video keeps its frames
        for frame in resampler.resample(None):
            frame.pts, frame.time_base, next_pts = next_pts, sample_time, next_pts + frame.samples
            packets.extend(stream.encode(frame))
        packets.extend(stream.encode(None))
    return packets


def _mux_audio_until(out: Any, packets: list[Any], video_packet: Any) -> list[Any]:
    """Mux the waiting audio packets that start before ``video_packet``; return the rest."""
    if not packets or video_packet.dts is None or video_packet.time_base is None:
        return packets
    until_s = float(video_packet.dts * video_packet.time_base)
    index = 0
    while index < len(packets) and packets[index].pts is not None:
        if float(packets[index].pts * packets[index].time_base) > until_s:
            break
        out.mux(packets[index])
        index += 1
    return packets[index:]


def launder_audio(src: Path, dst: Path) -> None:
    import av

    from veracity.media.audio import load_mono

    samples = load_mono(src, AUDIO_SAMPLE_RATE_HZ)
    if samples.size == 0:
        raise UnsupportedMedia(f"{src}: no audio samples could be decoded")
    options = {"fflags": "+bitexact", "id3v2_version": "0", "write_id3v1": "0"}
    with av.open(str(dst), mode="w", format="mp3", options=options) as out:
        out.metadata.clear()
        stream = out.add_stream("libmp3lame", rate=AUDIO_SAMPLE_RATE_HZ, layout="mono")
        stream.bit_rate = AUDIO_BIT_RATE
        chunk = AUDIO_SAMPLE_RATE_HZ
        for start in range(0, samples.size, chunk):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[None, start : start + chunk]), format="flt", layout="mono"
            )
            frame.sample_rate = AUDIO_SAMPLE_RATE_HZ
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
