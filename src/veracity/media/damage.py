"""Damage a file the way re-uploading does, or the way training and evaluation need: the one home for every recipe.

Recipes of ``launder(src, recipe=...)`` (copies cached by the source's sha256 and the recipe's version under
``~/.cache/veracity/launder``, or ``$VERACITY_LAUNDER_CACHE``):

``"platform"`` (``veracity bench --launder``) — re-encode as a social platform does, so format and metadata
shortcuts can't carry the score:

- images: upright RGB (transparency flattened on white), longest side ≤ 1024 px, JPEG quality 85, no metadata;
- video, animated GIF / WebP: H.264 yuv420p CRF 23 in MP4, at most 720p (short side ≤ 720, long side ≤ 1280,
  even dimensions), AAC audio when the source has sound, no metadata;
- audio: mono 22.05 kHz MP3 at 64 kb/s, no metadata.

Rotation and EXIF orientation are applied to the pixels, as platforms do; decoded video is re-timed at its
average frame rate (constant frame rate), animations keep their frame durations. The x264 encoder still writes its
version and settings into the stream (platforms' encoders do the same).

``"neutral"`` (``veracity bench --launder neutral``) — make size, aspect ratio, frame rate, length and format
uninformative, the same way for real and fake files:

- images: a square crop (side = the short side) at a random spot, resized to 512×512, JPEG quality 90;
- video, animated GIF / WebP: the same square crop (one spot for the whole clip) resized to 512×512, the first
  5 s resampled to 8 fps (frames repeated or dropped by display time), H.264 yuv420p CRF 20 in MP4; sound, when
  there is any, its first 5 s as AAC;
- audio: the first 6 s, mono 22.05 kHz MP3 at 64 kb/s.

The random spot is drawn from the file's sha256, so a file always gets the same copy.

Randomised training damage (``random_launder``, ``random_launder_video``, ``random_launder_audio``) draws crops,
sizes, qualities, frame rates, lengths, codecs and levels from a ``numpy`` generator: training code only, never a
user feature. The robustness self-check (``veracity check --robustness``) takes its image helpers from here too.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from veracity.config import Limits, SamplingPlan
from veracity.errors import UnsupportedMedia, VeracityError
from veracity.evidence import MediaInfo, MediaKind

RECIPE = "v4"  # the platform recipe's version: bump when the recipe or its bytes change, so stale cached copies
# are not reused (v3: re-timed decoding; v4: byte-reproducible H.264, see X264_OPTIONS)
NEUTRAL_RECIPE = "neutral-v1"  # the neutral recipe's version, the same way
RECIPES = {"platform": RECIPE, "neutral": NEUTRAL_RECIPE}  # recipe name -> cache tag
Recipe = Literal["platform", "neutral"]
IMAGE_MAX_SIDE_PX = 1024
JPEG_QUALITY = 85
VIDEO_MAX_SHORT_SIDE_PX = 720
VIDEO_MAX_LONG_SIDE_PX = 1280
VIDEO_CRF = 23
VIDEO_AUDIO_BIT_RATE = 128_000
AUDIO_SAMPLE_RATE_HZ = 22_050
AUDIO_BIT_RATE = 64_000
_EXTENSIONS = {MediaKind.IMAGE: "jpg", MediaKind.VIDEO: "mp4", MediaKind.AUDIO: "mp3"}
NEUTRAL_SIDE_PX = 512
NEUTRAL_FPS = 8
NEUTRAL_VIDEO_S = 5.0
NEUTRAL_AUDIO_S = 6.0
NEUTRAL_JPEG_QUALITY = 90
NEUTRAL_CRF = 20
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


def launder(src: str | Path, cache_dir: str | Path | None = None, limits: Limits | None = None,
            recipe: Recipe = "platform") -> Path:
    """Return the path of ``src``'s copy damaged by ``recipe``, making it unless the cache already holds it."""
    from veracity.media.probe import probe, sha256_file

    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r} (known: {', '.join(RECIPES)})")
    tag = RECIPES[recipe]
    src = Path(src)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = sha256_file(src)
    for ext in _EXTENSIONS.values():
        cached = folder / digest[:2] / f"{digest}-{tag}.{ext}"
        if cached.is_file():
            return cached
    info = probe(src, limits)
    dst = folder / digest[:2] / f"{digest}-{tag}.{_EXTENSIONS[info.kind]}"
    dst.parent.mkdir(parents=True, exist_ok=True)
    partial = dst.with_name(f".{dst.name}.{os.getpid()}.part")
    try:
        if recipe == "neutral":
            _neutral(info, partial, digest)
        elif info.kind is MediaKind.IMAGE:
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


def upright_rgb(src: str | Path) -> tuple[Any, dict[str, Any]]:
    """Upright RGB Pillow image (EXIF orientation applied, transparency flattened on white) and the metadata Pillow
    can carry over (EXIF, ICC, XMP)."""
    from PIL import Image, ImageOps

    from veracity.media.image import DECODE_ERRORS, open_image

    with open_image(Path(src)) as image:
        keep = {k: image.info[k] for k in ("exif", "icc_profile", "xmp") if image.info.get(k)}
        try:
            upright = ImageOps.exif_transpose(image)
            upright.load()
        except DECODE_ERRORS as exc:
            raise UnsupportedMedia(f"{src}: image data is damaged or truncated ({exc})") from exc
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat, keep
    return upright.convert("RGB"), keep


def launder_image(src: Path, dst: Path) -> None:
    from PIL import Image

    flat, _keep = upright_rgb(src)
    flat.thumbnail((IMAGE_MAX_SIDE_PX, IMAGE_MAX_SIDE_PX), Image.Resampling.LANCZOS)
    # No exif=, icc_profile= or comment: Pillow writes none of them unless asked.
    flat.save(dst, format="JPEG", quality=JPEG_QUALITY, optimize=True)


def scaled(image: Any, factor: float) -> Any:
    """The Pillow image resized by ``factor`` (Lanczos), at least 1×1."""
    from PIL import Image

    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without APP1..APP15 segments (EXIF, XMP, ICC, IPTC, C2PA/JUMBF) and comments; data untouched."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError("damaged JPEG segment structure")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[pos:]
            return bytes(out)
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segment = data[pos : pos + 2 + length]
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        pos += 2 + length
    raise ValueError("JPEG has no image data")


_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"pHYs",
             b"acTL", b"fcTL", b"fdAT"}


def strip_png(data: bytes) -> bytes:
    """The PNG with only pixel-relevant chunks (text, eXIf, iCCP, C2PA caBX... dropped); data untouched."""
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise ValueError("not a PNG")
    out = bytearray(signature)
    pos = len(signature)
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos : pos + 12 + length]
        if kind in _PNG_KEEP:
            out += chunk
        pos += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)


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
        from veracity.media._av import open_av

        with open_av(info.path, info.container) as container:
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

        def timed_frames() -> Iterator[Any]:
            last_pts = -1
            for time_s, rgb in _chain(first, frames):
                pts = max(round(time_s / _TIME_BASE), last_pts + 1)
                last_pts = pts
                frame = av.VideoFrame.from_ndarray(_even(rgb, size), format="rgb24").reformat(format="yuv420p")
                frame.pts, frame.time_base = pts, _TIME_BASE
                yield frame

        _encode_interleaved(out, video, timed_frames(), audio_packets)


_TimedFrame = tuple[float, np.ndarray]


def _chain(first: _TimedFrame, rest: Iterator[_TimedFrame]) -> Iterator[_TimedFrame]:
    yield first
    yield from rest


def _encode_audio_track(src: Path, out: Any, *, max_s: float | None = None, mono_44k: bool = False) -> list[Any]:
    """Encode the source's first audio track to AAC; the packets wait to be interleaved with the video. With
    ``max_s``, only about its first ``max_s`` seconds (to the end of the decoded frame that crosses it); with
    ``mono_44k``, mono 44.1 kHz whatever the source."""
    import av

    with av.open(str(src), metadata_errors="ignore") as container:
        if not container.streams.audio:
            return []
        source = container.streams.audio[0]
        channels = source.codec_context.channels or 1
        rate = source.codec_context.sample_rate if source.codec_context.sample_rate in (44_100, 48_000) else 44_100
        layout = "stereo" if channels >= 2 else "mono"
        if mono_44k:
            rate, layout = 44_100, "mono"
        stream = out.add_stream("aac", rate=rate, layout=layout)
        stream.bit_rate = VIDEO_AUDIO_BIT_RATE
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        packets: list[Any] = []
        next_pts = 0
        limit = round(max_s * rate) if max_s is not None else None
        sample_time = Fraction(1, rate)  # resampled frames may keep the source's odd time base (AVI MP3: 32/1225)
        try:
            for decoded in container.decode(source):
                if limit is not None and next_pts >= limit:
                    break
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


def _encode_interleaved(out: Any, video: Any, frames: Iterable[Any], audio_packets: list[Any]) -> None:
    """Encode ``frames`` on ``video`` and mux them with the already encoded audio packets in time order."""
    for frame in frames:
        for packet in video.encode(frame):
            audio_packets = _mux_audio_until(out, audio_packets, packet)
            out.mux(packet)
    for packet in video.encode(None):
        audio_packets = _mux_audio_until(out, audio_packets, packet)
        out.mux(packet)
    for packet in audio_packets:
        out.mux(packet)


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


def launder_audio(src: Path, dst: Path, *, max_s: float | None = None) -> None:
    """Mono 22.05 kHz MP3 at 64 kb/s without metadata; with ``max_s``, only the first ``max_s`` seconds."""
    from veracity.media.audio import load_mono

    samples = load_mono(src, AUDIO_SAMPLE_RATE_HZ)
    if max_s is not None:
        samples = samples[: round(max_s * AUDIO_SAMPLE_RATE_HZ)]
    if samples.size == 0:
        raise UnsupportedMedia(f"{src}: no audio samples could be decoded")
    _write_mp3(samples, dst)


def _write_mp3(samples: np.ndarray, dst: Path) -> None:
    import av

    options = {"fflags": "+bitexact", "id3v2_version": "0", "write_id3v1": "0"}
    with av.open(str(dst), mode="w", format="mp3", options=options) as out:
        out.metadata.clear()
        stream = out.add_stream("libmp3lame", rate=AUDIO_SAMPLE_RATE_HZ, layout="mono")
        stream.bit_rate = AUDIO_BIT_RATE
        _encode_mono(out, stream, samples, AUDIO_SAMPLE_RATE_HZ, AUDIO_SAMPLE_RATE_HZ)


def _encode_mono(out: Any, stream: Any, samples: np.ndarray, step: int, rate_hz: int) -> None:
    """Mono float samples through ``stream``'s encoder into ``out``, ``step`` samples a frame, then flushed."""
    import av

    for start in range(0, samples.size, step):
        piece = np.ascontiguousarray(samples[None, start : start + step], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
        frame.sample_rate = rate_hz
        frame.pts = start
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


# --- the neutral recipe -------------------------------------------------------------------------------------------

def square_spot(width: int, height: int, digest: str) -> tuple[int, int, int]:
    """(x0, y0, side): the largest square inside a width×height frame, at a spot drawn from the file's sha256."""
    rng = np.random.default_rng(int(digest[:16], 16))
    side = max(1, min(width, height))
    return int(rng.integers(0, width - side + 1)), int(rng.integers(0, height - side + 1)), side


def _neutral(info: MediaInfo, dst: Path, digest: str) -> None:
    if info.kind is MediaKind.IMAGE:
        _neutral_image(Path(info.path), dst, digest)
    elif info.kind is MediaKind.VIDEO:
        _neutral_video(info, dst, digest)
    else:
        launder_audio(Path(info.path), dst, max_s=NEUTRAL_AUDIO_S)


def _neutral_image(src: Path, dst: Path, digest: str) -> None:
    from PIL import Image

    flat, _keep = upright_rgb(src)
    x0, y0, side = square_spot(flat.width, flat.height, digest)
    square = flat.crop((x0, y0, x0 + side, y0 + side))
    square.resize((NEUTRAL_SIDE_PX, NEUTRAL_SIDE_PX), Image.Resampling.LANCZOS).save(
        dst, format="JPEG", quality=NEUTRAL_JPEG_QUALITY)


def _neutral_video(info: MediaInfo, dst: Path, digest: str) -> None:
    """The first ``NEUTRAL_VIDEO_S`` seconds at ``NEUTRAL_FPS``, one square spot for the whole clip, 512×512."""
    import av
    from PIL import Image

    if not info.width or not info.height:
        raise UnsupportedMedia(f"{info.path}: video has no frame size")
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    # Decode just large enough that the square's side is still >= 512 px (never above the source size).
    decode_side = min(long_side, -(-NEUTRAL_SIDE_PX * long_side // max(short_side, 1)))
    source: list[_TimedFrame] = []
    for time_s, rgb in _all_frames(info, decode_side):
        if time_s >= NEUTRAL_VIDEO_S:
            break
        source.append((time_s, rgb))
    if not source:
        raise UnsupportedMedia(f"{info.path}: no video frames could be decoded")
    height, width = source[0][1].shape[:2]
    x0, y0, side = square_spot(width, height, digest)
    step = source[-1][0] - source[-2][0] if len(source) > 1 else 1.0 / NEUTRAL_FPS
    length_s = min(NEUTRAL_VIDEO_S, source[-1][0] + max(step, 1e-3))
    count = max(1, round(length_s * NEUTRAL_FPS))
    times = np.array([t for t, _ in source])
    options = {"fflags": "+bitexact", "movflags": "+faststart"}
    with av.open(str(dst), mode="w", format="mp4", options=options) as out:
        out.metadata.clear()
        video = out.add_stream("libx264", rate=NEUTRAL_FPS,
                               options={"crf": str(NEUTRAL_CRF), "preset": "medium", **X264_OPTIONS})
        video.width = video.height = NEUTRAL_SIDE_PX
        video.pix_fmt = "yuv420p"
        audio_packets = (_encode_audio_track(Path(info.path), out, max_s=length_s, mono_44k=True)
                         if info.has_audio else [])
        def square_frames() -> Iterator[Any]:
            for k in range(count):
                index = max(0, int(np.searchsorted(times, k / NEUTRAL_FPS + 1e-6, side="right")) - 1)
                rgb = source[index][1]
                if rgb.shape[:2] != (height, width):  # a stream whose frame size changes: keep the first size
                    rgb = np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.BILINEAR))
                square = Image.fromarray(np.ascontiguousarray(rgb[y0 : y0 + side, x0 : x0 + side]))
                square = square.resize((NEUTRAL_SIDE_PX, NEUTRAL_SIDE_PX), Image.Resampling.LANCZOS)
                frame = av.VideoFrame.from_ndarray(np.asarray(square), format="rgb24").reformat(format="yuv420p")
                frame.pts = k
                yield frame

        _encode_interleaved(out, video, square_frames(), audio_packets)


# --- randomised training damage (training code only) --------------------------------------------------------------
# Each draw of ``random_launder``: a random crop (aspect ratio 1:2 .. 2:1, 50–100% of the area), the longest side
# brought to a random 512–1024 px (never upscaled, as platforms do), JPEG quality 70–95, no metadata. The platform
# recipe (longest side ≤ 1024, quality 85) is one point of this distribution.

def _random_crop_box(rng: np.random.Generator, shape: tuple[int, ...], min_side: int) -> tuple[int, int, int, int]:
    """(top, left, height, width) of a random crop of a picture of ``shape``: aspect ratio 1:2 .. 2:1, 50–100 % of
    the area."""
    height, width = shape[:2]
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    area = rng.uniform(0.5, 1.0) * height * width
    crop_w = int(min(width, max(min_side, round(np.sqrt(area * aspect)))))
    crop_h = int(min(height, max(min_side, round(np.sqrt(area / aspect)))))
    return int(rng.integers(0, height - crop_h + 1)), int(rng.integers(0, width - crop_w + 1)), crop_h, crop_w


def random_launder(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    y0, x0, crop_h, crop_w = _random_crop_box(rng, rgb.shape, min_side=64)
    image = Image.fromarray(np.ascontiguousarray(rgb[y0 : y0 + crop_h, x0 : x0 + crop_w]))
    long_side = int(rng.integers(512, 1025))
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(70, 96)))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def random_native_crop(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A window of the picture at its own resolution (sides 384–1024 px, aspect 1:2..2:1, never resampled), saved
    as JPEG quality 70–100 or, one time in five, losslessly (PNG): what a crop of a large camera picture or of a
    generator's output looks like when nobody resizes it."""
    from PIL import Image

    height, width = rgb.shape[:2]
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    side = float(rng.uniform(384, 1024))
    crop_w = int(min(width, max(64, round(side * np.sqrt(aspect)))))
    crop_h = int(min(height, max(64, round(side / np.sqrt(aspect)))))
    y0 = int(rng.integers(0, height - crop_h + 1))
    x0 = int(rng.integers(0, width - crop_w + 1))
    crop = np.ascontiguousarray(rgb[y0 : y0 + crop_h, x0 : x0 + crop_w, :3])
    if rng.random() < 0.2:
        return crop
    buffer = io.BytesIO()
    Image.fromarray(crop).save(buffer, format="JPEG", quality=int(rng.integers(70, 101)))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def random_picture_damage(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Half the draws ``random_launder`` (crop, downscale, JPEG), half ``random_native_crop`` (crop at native
    resolution, JPEG or lossless): resampling and compression say nothing about the class when both classes get
    the same draws."""
    return random_launder(rgb, rng) if rng.random() < 0.5 else random_native_crop(rgb, rng)


def decoded_start(info: object, max_span_s: float = 8.0, max_side_px: int = 960) -> list[tuple[float, np.ndarray]]:
    """Every frame of the first ``max_span_s`` seconds, (time, RGB), for ``random_launder_video``."""
    from veracity.config import SamplingPlan
    from veracity.media.video import iter_frames

    plan = SamplingPlan(fps_cap=1000.0, max_frames=int(max_span_s * 60), max_side_px=max_side_px)
    unspread = info.model_copy(update={"duration_s": None})  # type: ignore[attr-defined]
    frames = []
    for frame in iter_frames(unspread, plan):
        if frame.time_s > max_span_s:
            break
        frames.append((frame.time_s, frame.rgb))
    return frames


def random_launder_video(source: list[tuple[float, np.ndarray]], dst: str, rng: np.random.Generator,
                         bottleneck_px: tuple[int, int] | None = None) -> dict:
    """Re-encode a clip with randomised damage: random start and 1.5–3 s length, frame-rate conversion to
    6–30 fps (frames repeated or dropped by display time, as ffmpeg's fps filter does), random crop (aspect
    1:2..2:1, 50–100% of the area), longest side 256–960 px (never upscaled), H.264 yuv420p CRF 20–32 in MP4.
    ``source`` comes from ``decoded_start``; returns the drawn settings.

    ``bottleneck_px=(lo, hi)``: the crop first passes through a random longest side in [lo, hi] (down- or
    up-scaled) and the output's longest side is drawn from 256–640 px whatever the source's size, so a class whose
    clips are small (generators' 256–512 px square crops) and one whose clips are large (camera footage) come out
    with the same distribution of sizes and of effective resolution."""
    from fractions import Fraction

    import av

    if not source:
        raise ValueError("no frames")
    total_s = source[-1][0] + (source[-1][0] - source[-2][0] if len(source) > 1 else 0.1)
    length_s = float(min(total_s, rng.uniform(1.5, 3.0)))  # generated clips are ~2 s: length must not tell
    start_s = float(rng.uniform(0.0, max(0.0, total_s - length_s)))
    fps_out = float(rng.uniform(6.0, 30.0))
    crf = int(rng.integers(20, 33))
    y0, x0, crop_h, crop_w = _random_crop_box(rng, source[0][1].shape, min_side=32)
    if bottleneck_px is None:
        long_side = min(int(rng.integers(256, 961)), max(crop_w, crop_h))
        inner_side = max(crop_w, crop_h)
    else:
        inner_side = int(rng.integers(bottleneck_px[0], bottleneck_px[1] + 1))
        long_side = int(rng.integers(256, 641))
    scale = long_side / max(crop_w, crop_h)
    inner_scale = inner_side / max(crop_w, crop_h)
    inner_w, inner_h = max(16, round(crop_w * inner_scale)), max(16, round(crop_h * inner_scale))
    out_w, out_h = max(16, round(crop_w * scale) // 2 * 2), max(16, round(crop_h * scale) // 2 * 2)
    times = np.array([t for t, _ in source])
    with av.open(dst, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps_out).limit_denominator(1001),
                                options={"crf": str(crf), "preset": "veryfast", **X264_OPTIONS})
        stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
        for k in range(max(2, int(length_s * fps_out))):
            i = int(np.searchsorted(times, start_s + k / fps_out + 1e-6, side="right") - 1)
            rgb = source[max(0, i)][1][y0 : y0 + crop_h, x0 : x0 + crop_w]
            if bottleneck_px is not None:
                import cv2

                rgb = cv2.resize(np.ascontiguousarray(rgb), (inner_w, inner_h), interpolation=cv2.INTER_AREA
                                 if inner_side < max(crop_w, crop_h) else cv2.INTER_CUBIC)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame = frame.reformat(width=out_w, height=out_h, format="yuv420p")
            frame.pts = k
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return {"fps": round(fps_out, 2), "crf": crf, "start_s": round(start_s, 2), "length_s": round(length_s, 2),
            "width": out_w, "height": out_h, "bottleneck_px": inner_side}


# --- randomised training damage for sound (training code only) ------------------------------------------------------

AUDIO_DECODE_RATES_HZ = (16_000, 22_050, 24_000, 44_100)
AUDIO_CODECS = {  # codec: (container, sample rates it takes, bit rates)
    "libmp3lame": ("mp3", (16_000, 22_050, 24_000, 44_100), (32_000, 48_000, 64_000, 96_000, 128_000)),
    "libopus": ("ogg", (16_000, 24_000, 48_000), (16_000, 24_000, 32_000, 48_000, 64_000)),
    "aac": ("adts", (16_000, 22_050, 44_100), (48_000, 64_000, 96_000, 128_000)),
}


def encode_audio(samples: np.ndarray, rate_hz: int, codec: str, bit_rate: int) -> bytes:
    """Mono float samples encoded with ``codec`` (a key of ``AUDIO_CODECS``) at ``bit_rate``, as file bytes."""
    import av

    container, _rates, _bit_rates = AUDIO_CODECS[codec]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=rate_hz, layout="mono")
        stream.bit_rate = bit_rate
        _encode_mono(out, stream, samples, 960 * rate_hz // 48_000 if codec == "libopus" else 1152, rate_hz)
    return buffer.getvalue()


def resample_audio(samples: np.ndarray, rate_hz: int, target_hz: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate_hz == target_hz:
        return samples.astype(np.float32)
    g = int(np.gcd(rate_hz, target_hz))
    return resample_poly(samples, target_hz // g, rate_hz // g).astype(np.float32)


def decode_audio(data: bytes, rate_hz: int) -> np.ndarray:
    import tempfile

    from veracity.media.audio import load_mono

    with tempfile.NamedTemporaryFile(suffix=".bin") as handle:
        handle.write(data)
        handle.flush()
        return load_mono(handle.name, rate_hz)


def random_launder_audio(path: Path, rng: np.random.Generator, out_rate_hz: int = 16_000) -> np.ndarray:
    """Samples of ``path`` at ``out_rate_hz`` after one random draw of the training damage for sound.

    Both classes go through the same draw, so that container, codec, sample rate, loudness, leading/trailing
    silence and length stop following the label: decoded at a random rate (16/22.05/24/44.1 kHz), a random crop of
    0-30 % at each end (clips over 4 s), a random band limit at 3.8-7.6 kHz (p 0.3), low room-like noise 25-50 dB
    below the signal (p 0.25), a random level, then 0-2 lossy passes (MP3 / Opus / AAC at random rates and bit
    rates), decoded at a random rate and resampled to ``out_rate_hz``."""
    from scipy.signal import butter, sosfilt

    from veracity.media.audio import load_mono

    rate = int(rng.choice(AUDIO_DECODE_RATES_HZ))
    samples = load_mono(path, rate).astype(np.float64)
    n = samples.size
    if n > 4 * rate:
        a, b = (int(rng.uniform(0, 0.3) * n) for _ in range(2))
        samples = samples[a : n - b] if n - a - b >= 3 * rate else samples
    if rng.random() < 0.3:
        cutoff = rng.uniform(3_800, min(7_600, 0.47 * rate))
        samples = sosfilt(butter(8, cutoff, fs=rate, output="sos"), samples)
    if rng.random() < 0.25:
        rms = float(np.sqrt(np.mean(samples**2))) or 1.0
        noise = rng.standard_normal(samples.size)
        if rng.random() < 0.5:  # brown-ish room rumble rather than hiss
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(201) / 201, mode="same")
        noise *= rms * 10 ** (-rng.uniform(25, 50) / 20) / (float(np.std(noise)) or 1.0)
        samples = samples + noise
    peak = float(np.abs(samples).max()) or 1.0
    samples = (samples / peak * 10 ** (-rng.uniform(0.5, 25) / 20)).astype(np.float32)
    for _pass in range(int(rng.choice([0, 1, 1, 1, 2]))):
        codec = str(rng.choice(sorted(AUDIO_CODECS)))
        _container, rates, bit_rates = AUDIO_CODECS[codec]
        target = int(rng.choice(rates))
        data = encode_audio(resample_audio(samples, rate, target), target, codec, int(rng.choice(bit_rates)))
        rate = int(rng.choice(AUDIO_DECODE_RATES_HZ))
        samples = decode_audio(data, rate)
    return resample_audio(samples, rate, out_rate_hz)
