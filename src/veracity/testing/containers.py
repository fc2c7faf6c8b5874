"""Real-world container shapes, made in code: the files phones, editors and the web produce that a plain
H.264-in-MP4 test clip never exercises (extra streams, rotation, variable frame rate, odd pixel formats,
other containers, other still formats, multichannel and odd-rate audio).

``CONTAINER_CASES`` maps a case name to a builder ``(folder) -> Path``; every builder writes one small file.
Only encoders bundled with PyAV and Pillow (plus pillow-heif) are used, so every case builds offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

Builder = Callable[[Path], Path]


def moving_frames(count: int = 24, width: int = 96, height: int = 64) -> Iterator[np.ndarray]:
    """A textured gradient with a bright square crossing it: cheap frames with edges, motion and noise."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:height, 0:width]
    for i in range(count):
        rgb = np.stack([(x * 255 // width), (y * 255 // height), np.full_like(x, (i * 10) % 256)], axis=-1)
        rgb = rgb + rng.integers(-12, 13, size=rgb.shape)
        left = (i * 3) % max(1, width - 16)
        rgb[height // 3: height // 3 + 16, left: left + 16] = 240
        yield np.clip(rgb, 0, 255).astype(np.uint8)


def write_clip(path: Path, *, codec: str = "libx264", pix_fmt: str = "yuv420p", fmt: str | None = None,
               fps: int = 12, count: int = 24, width: int = 96, height: int = 64,
               setup: Callable[[Any, Any], None] | None = None, options: dict[str, str] | None = None,
               audio: tuple[str, int, str] | None = None, times_s: list[float] | None = None) -> Path:
    """Encode ``moving_frames`` with ``codec``/``pix_fmt`` into ``path``.

    ``setup(container, video_stream)`` runs before the first frame (add streams, metadata, rotation);
    ``audio`` = (codec, sample_rate_hz, layout) adds a tone track; ``times_s`` gives each frame's own time
    (a variable frame rate) instead of ``1 / fps`` steps.
    """
    import av

    with av.open(str(path), "w", format=fmt) as container:
        stream: Any = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if options:
            stream.options = options
        if times_s is not None:
            stream.time_base = Fraction(1, 1000)
            stream.codec_context.time_base = Fraction(1, 1000)
        sound = None
        if audio is not None:
            sound = container.add_stream(audio[0], rate=audio[1], layout=audio[2])
        if setup is not None:
            setup(container, stream)
        for i, rgb in enumerate(moving_frames(count, width, height)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=pix_fmt)
            if times_s is not None:
                frame.pts = round(times_s[i] * 1000)
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            _encode_tone(container, sound, audio[1], count / fps, audio[2])  # type: ignore[index]
    return path


def tone(seconds: float, sample_rate_hz: int, channels: int = 1, hz: float = 440.0) -> np.ndarray:
    """A ``channels`` × samples float32 tone, each channel a little higher than the last."""
    t = np.arange(round(seconds * sample_rate_hz)) / sample_rate_hz
    return np.stack([0.3 * np.sin(2 * np.pi * hz * (1 + 0.25 * c) * t) for c in range(channels)]).astype(np.float32)


def _encode_tone(container: Any, stream: Any, rate_hz: int, seconds: float, layout: str) -> None:
    import av

    channels = av.AudioLayout(layout).nb_channels
    samples = tone(seconds, rate_hz, channels)
    step = stream.codec_context.frame_size or 1024
    for start in range(0, samples.shape[1], step):
        chunk = np.ascontiguousarray(samples[:, start: start + step].T.reshape(1, -1))  # interleaved
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout=layout)
        frame.sample_rate = rate_hz
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def write_audio_file(path: Path, *, codec: str, sample_rate_hz: int, layout: str = "mono", seconds: float = 2.0,
                     fmt: str | None = None) -> Path:
    import av

    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=sample_rate_hz, layout=layout)
        _encode_tone(container, stream, sample_rate_hz, seconds, layout)
    return path


def mp4_with_data_stream(path: Path) -> Path:
    """An MP4 with video, audio and a timed-metadata *data* track (a timecode track, as phones and cameras
    write), the shape that once failed intake with ``'DataStream' object has no attribute 'bit_rate'``."""

    def timecode(container: Any, stream: Any) -> None:
        stream.metadata["timecode"] = "01:00:00:00"  # the MP4 muxer writes it as a ``tmcd`` data track

    return write_clip(path, fmt="mp4", setup=timecode, audio=("aac", 44100, "mono"))


def _mkv_with_subtitles(path: Path) -> Path:
    import av

    def subtitles(container: Any, stream: Any) -> None:
        track = container.add_mux_stream("subrip", time_base=Fraction(1, 1000))
        for i, text in enumerate((b"Hello there", b"General Kenobi")):
            packet = av.Packet(text)
            packet.stream = track
            packet.pts = packet.dts = i * 1000
            packet.duration = 900
            packet.time_base = Fraction(1, 1000)
            container.mux(packet)

    return write_clip(path, fmt="matroska", setup=subtitles)


def _mkv_with_attachment(path: Path) -> Path:
    def attach(container: Any, stream: Any) -> None:
        container.add_attachment("cover-font.ttf", "application/x-truetype-font", b"\x00\x01\x00\x00" * 64)

    return write_clip(path, fmt="matroska", setup=attach)


def _rotated_mp4(path: Path) -> Path:
    return write_clip(path, fmt="mp4", setup=lambda _c, stream: stream.set_display_rotation(90))


def _vfr_mp4(path: Path) -> Path:
    rng = np.random.default_rng(3)
    times = np.cumsum(np.r_[0.0, rng.choice([1 / 30, 1 / 12, 1 / 5], size=23)]).tolist()
    return write_clip(path, fmt="mp4", times_s=times)


def _still(name: str, fmt: str, mode: str = "RGB", **save: Any) -> tuple[str, Builder]:
    def build(folder: Path) -> Path:
        from PIL import Image

        path = folder / name
        rgb = next(moving_frames(1, 160, 120))
        image = Image.fromarray(rgb)
        if mode == "RGBA":
            alpha = np.tile(np.linspace(40, 255, 160, dtype=np.uint8), (120, 1))
            image.putalpha(Image.fromarray(alpha))
        elif mode != "RGB":
            image = image.convert(mode)
        if fmt == "HEIF":
            from pillow_heif import register_heif_opener

            register_heif_opener()
        image.save(path, fmt, **save)
        return path

    return name, build


def _clip(name: str, **kwargs: Any) -> tuple[str, Builder]:
    suffix = name.rsplit(".", 1)[-1]
    return name, lambda folder: write_clip(folder / f"{name.replace('.', '_')}.{suffix}", **kwargs)


def _audio(name: str, **kwargs: Any) -> tuple[str, Builder]:
    suffix = name.rsplit(".", 1)[-1]
    return name, lambda folder: write_audio_file(folder / f"{name.replace('.', '_')}.{suffix}", **kwargs)


CONTAINER_CASES: dict[str, Builder] = dict([
    ("data_stream.mp4", lambda folder: mp4_with_data_stream(folder / "data_stream.mp4")),
    ("subtitle_stream.mkv", lambda folder: _mkv_with_subtitles(folder / "subtitle_stream.mkv")),
    ("attachment.mkv", lambda folder: _mkv_with_attachment(folder / "attachment.mkv")),
    ("rotated_90.mp4", lambda folder: _rotated_mp4(folder / "rotated_90.mp4")),
    ("variable_frame_rate.mp4", lambda folder: _vfr_mp4(folder / "variable_frame_rate.mp4")),
    _clip("h264_10bit.mp4", pix_fmt="yuv420p10le", fmt="mp4"),
    _clip("hevc_10bit.mp4", codec="libx265", pix_fmt="yuv420p10le", fmt="mp4", options={"x265-params": "log-level=0"}),
    _clip("prores_10bit.mov", codec="prores_ks", pix_fmt="yuv422p10le", fmt="mov"),
    _clip("yuvj420p.mp4", pix_fmt="yuvj420p", fmt="mp4"),
    _clip("mjpeg_yuvj.avi", codec="mjpeg", pix_fmt="yuvj420p", fmt="avi"),
    _clip("alpha_vp9.webm", codec="libvpx-vp9", pix_fmt="yuva420p", fmt="webm"),
    _clip("alpha_qtrle.mov", codec="qtrle", pix_fmt="argb", fmt="mov"),
    _clip("h264_aac.mov", fmt="mov", audio=("aac", 48000, "stereo")),
    _clip("h264.mkv", fmt="matroska", audio=("libopus", 48000, "stereo")),
    _clip("vp8_opus.webm", codec="libvpx", fmt="webm", audio=("libopus", 48000, "mono")),
    _clip("mpeg4_mp3.avi", codec="mpeg4", fmt="avi", audio=("libmp3lame", 22050, "mono")),
    _clip("mpeg2.mpg", codec="mpeg2video", fmt="mpeg", fps=25, count=50, audio=("mp2", 48000, "stereo")),
    _clip("av1.mp4", codec="libsvtav1", fmt="mp4", options={"svtav1-params": "log-level=0"}),
    _still("photo.heic", "HEIF", quality=80),
    _still("photo.avif", "AVIF", quality=70),
    _still("photo.tiff", "TIFF", compression="tiff_lzw"),
    _still("photo_16bit.tiff", "TIFF", mode="I;16"),
    _still("photo.bmp", "BMP"),
    _still("alpha.png", "PNG", mode="RGBA"),
    _still("grey.jpg", "JPEG", mode="L", quality=90),
    _still("cmyk.jpg", "JPEG", mode="CMYK", quality=90),
    _audio("surround_5_1.flac", codec="flac", sample_rate_hz=48000, layout="5.1"),
    _audio("surround_7_1.wav", codec="pcm_s16le", sample_rate_hz=44100, layout="7.1"),
    _audio("rate_8000.wav", codec="pcm_s16le", sample_rate_hz=8000),
    _audio("rate_11025.wav", codec="pcm_u8", sample_rate_hz=11025),
    _audio("rate_22050.mp3", codec="libmp3lame", sample_rate_hz=22050, fmt="mp3"),
    _audio("rate_7350.m4a", codec="aac", sample_rate_hz=7350, fmt="ipod"),
    _audio("rate_96000_stereo.flac", codec="flac", sample_rate_hz=96000, layout="stereo"),
    _audio("opus_stereo.ogg", codec="libopus", sample_rate_hz=48000, layout="stereo", fmt="ogg"),
    _audio("float_32bit.wav", codec="pcm_f32le", sample_rate_hz=32000, layout="stereo"),
])
