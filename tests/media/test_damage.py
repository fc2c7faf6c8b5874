from __future__ import annotations

import hashlib
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from veracity.media.damage import launder
from veracity.media.probe import probe
from veracity.samples import samples_dir


def _png_with_metadata(path: Path, size: tuple[int, int]) -> Path:
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    rgba = np.stack([x % 256, y % 256, (x + y) % 256, np.full_like(x, 255)], axis=2).astype(np.uint8)
    rgba[:40, :40, 3] = 0  # a transparent corner
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a castle, Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1")
    exif = Image.Exif()
    exif[0x0131] = "Some Generator 1.0"
    Image.fromarray(rgba, "RGBA").save(path, "PNG", pnginfo=info, exif=exif.tobytes())
    return path


def _video(path: Path, size: tuple[int, int], frames: int = 5) -> Path:
    import av

    width, height = size
    with av.open(str(path), "w") as out:
        out.metadata["title"] = "my holiday"
        stream = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            rgb = np.zeros((height, width, 3), np.uint8)
            rgb[:, index * 50 : index * 50 + 100] = (200, 60, 20)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _wav(path: Path, rate_hz: int = 44_100, seconds: float = 1.5) -> Path:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    stereo = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t)], axis=1)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(rate_hz)
        handle.writeframes((0.4 * stereo * 32767).astype("<i2").tobytes())
    return path


def test_png_with_metadata_becomes_small_plain_jpeg(tmp_path: Path) -> None:
    src = _png_with_metadata(tmp_path / "gen.png", (1500, 900))
    out = launder(src, tmp_path / "cache")
    with Image.open(out) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert max(image.size) == 1024 and image.size[0] > image.size[1]
        assert "exif" not in image.info and "parameters" not in image.info and "icc_profile" not in image.info
        assert len(image.getexif()) == 0
        corner = np.asarray(image)[:10, :10].astype(int)
    assert corner.mean() > 230  # transparency was flattened on white, as platforms do
    assert b"Steps: 20" not in out.read_bytes()


def test_laundered_copies_are_cached_by_content(tmp_path: Path) -> None:
    src = _png_with_metadata(tmp_path / "gen.png", (300, 200))
    first = launder(src, tmp_path / "cache")
    stamp = first.stat().st_mtime_ns
    renamed = tmp_path / "same-content.png"
    renamed.write_bytes(src.read_bytes())
    assert launder(renamed, tmp_path / "cache") == first
    assert first.stat().st_mtime_ns == stamp
    assert not list((tmp_path / "cache").rglob("*.part"))


def test_bundled_video_becomes_h264_720p_with_aac(tmp_path: Path) -> None:
    src = samples_dir() / "moving_shapes.mp4"
    before = probe(src)
    info = probe(launder(src, tmp_path / "cache"))
    video = next(s for s in info.streams if s.type == "video")
    audio = next(s for s in info.streams if s.type == "audio")
    assert info.container == "mp4" and video.codec == "h264" and audio.codec == "aac"
    assert min(info.width or 0, info.height or 0) <= 720 and (info.width or 0) % 2 == 0 and (info.height or 0) % 2 == 0
    assert (info.width, info.height) == (before.width, before.height)  # never upscaled
    assert info.duration_s == pytest.approx(before.duration_s, abs=0.2)
    assert "encoder" not in info.tags and "title" not in info.tags


def test_large_video_is_scaled_to_720p_and_loses_its_tags(tmp_path: Path) -> None:
    import av

    src = _video(tmp_path / "big.mp4", (1440, 1080))
    assert probe(src).tags.get("title") == "my holiday"
    out = launder(src, tmp_path / "cache")
    info = probe(out)
    assert (info.width, info.height) == (960, 720)
    assert "title" not in info.tags and not info.has_audio
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_avi_with_mp3_sound_keeps_its_duration_and_frames(tmp_path: Path) -> None:
    import av

    src = tmp_path / "clip.avi"  # AVI stores MP3 with an odd time base (32/1225 s) that must not leak into AAC
    with av.open(str(src), "w", format="avi") as out:
        video = out.add_stream("mpeg4", rate=25)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = out.add_stream("libmp3lame", rate=44_100, layout="mono")
        for index in range(30):
            rgb = np.zeros((120, 160, 3), np.uint8)
            rgb[:, index * 5 : index * 5 + 10] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(52_920) / 44_100)).astype(np.float32)
        sound = av.AudioFrame.from_ndarray(tone[None, :], format="flt", layout="mono")
        sound.sample_rate, sound.pts = 44_100, 0
        out.mux(audio.encode(sound))
        out.mux(audio.encode(None))
    out_path = launder(src, tmp_path / "cache")
    info = probe(out_path)
    assert info.duration_s == pytest.approx(1.2, abs=0.15)
    assert [s.codec for s in info.streams] == ["h264", "aac"]
    with av.open(str(out_path)) as container:
        assert container.streams.video[0].frames == 30


def test_animated_gif_becomes_h264_video_with_even_size(tmp_path: Path) -> None:
    frames = [Image.fromarray(np.full((75, 101, 3), 40 * i, np.uint8)) for i in range(4)]
    src = tmp_path / "anim.gif"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, loop=0)
    info = probe(launder(src, tmp_path / "cache"))
    assert info.container == "mp4" and info.streams[0].codec == "h264"
    assert (info.width, info.height) == (100, 74)
    assert info.duration_s == pytest.approx(0.4, abs=0.15)


def test_wav_becomes_mono_22khz_mp3(tmp_path: Path) -> None:
    src = _wav(tmp_path / "speech.wav")
    info = probe(launder(src, tmp_path / "cache"))
    audio = info.streams[0]
    assert info.kind.value == "audio" and info.container == "mp3"
    assert audio.sample_rate_hz == 22_050 and audio.channels == 1
    assert info.duration_s == pytest.approx(1.5, abs=0.1)
    assert info.tags == {}


def test_unreadable_file_fails_with_a_reason(tmp_path: Path) -> None:
    from veracity.errors import VeracityError

    src = tmp_path / "broken.jpg"
    src.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4)
    with pytest.raises(VeracityError, match="broken.jpg"):
        launder(src, tmp_path / "cache")


# --- the neutral recipe -----------------------------------------------------------------------------------------


def _moving_video(path: Path, size: tuple[int, int], fps: int, seconds: float, *, with_sound: bool = False) -> Path:
    """An H.264 clip whose bright bar moves one column per frame (so repeated or dropped frames are visible)."""
    import av

    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        sound = out.add_stream("aac", rate=44_100, layout="mono") if with_sound else None
        for index in range(int(fps * seconds)):
            rgb = np.full((height, width, 3), 30, np.uint8)
            rgb[:, (index * 7) % width : (index * 7) % width + 20] = (230, 200, 40)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if sound is not None:
            t = np.arange(int(44_100 * seconds)) / 44_100
            tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for start in range(0, tone.size, 1024):
                chunk = av.AudioFrame.from_ndarray(tone[None, start : start + 1024], format="flt", layout="mono")
                chunk.sample_rate, chunk.pts = 44_100, start
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))
    return path


def _frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_neutral_image_is_a_512_square_jpeg_whatever_its_shape(tmp_path: Path) -> None:
    wide = launder(_png_with_metadata(tmp_path / "wide.png", (1500, 900)), tmp_path / "cache", recipe="neutral")
    small = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(small)
    tall = launder(small, tmp_path / "cache", recipe="neutral")
    for out in (wide, tall):
        with Image.open(out) as image:
            assert image.format == "JPEG" and image.size == (512, 512) and not image.info.get("exif")
    assert launder(small, tmp_path / "cache") != tall  # the platform copy is another file of the cache


def test_neutral_crop_spot_follows_the_file_hash(tmp_path: Path) -> None:
    from veracity.media.damage import square_spot

    spots = {square_spot(1600, 900, hashlib.sha256(bytes([seed])).hexdigest()) for seed in range(40)}
    assert all(y0 == 0 and side == 900 and 0 <= x0 <= 700 for x0, y0, side in spots)
    assert len({x0 for x0, _, _ in spots}) > 20  # a random spot, not the centre
    assert square_spot(1600, 900, "ab" * 32) == square_spot(1600, 900, "ab" * 32)
    src = _png_with_metadata(tmp_path / "a.png", (900, 500))
    first = launder(src, tmp_path / "one", recipe="neutral").read_bytes()
    assert launder(src, tmp_path / "two", recipe="neutral").read_bytes() == first  # the same copy every time


def test_neutral_video_is_square_512_at_8_fps_and_at_most_5_s(tmp_path: Path) -> None:
    src = _moving_video(tmp_path / "long.mp4", (640, 360), fps=25, seconds=7.0, with_sound=True)
    out = launder(src, tmp_path / "cache", recipe="neutral")
    info = probe(out)
    assert out.suffix == ".mp4" and (info.width, info.height) == (512, 512)
    assert info.fps == pytest.approx(8.0)
    assert _frame_count(out) == 40  # 5 s at 8 fps, from a 7 s clip at 25 fps
    assert info.duration_s is not None and 4.9 <= info.duration_s <= 5.2
    assert info.has_audio


def test_neutral_short_clip_keeps_its_length_at_8_fps(tmp_path: Path) -> None:
    src = _moving_video(tmp_path / "short.mp4", (300, 500), fps=30, seconds=2.0)
    out = launder(src, tmp_path / "cache", recipe="neutral")
    info = probe(out)
    assert (info.width, info.height) == (512, 512) and info.fps == pytest.approx(8.0)
    assert _frame_count(out) == 16


def test_neutral_audio_keeps_the_first_6_s(tmp_path: Path) -> None:
    out = launder(_wav(tmp_path / "long.wav", seconds=9.0), tmp_path / "cache", recipe="neutral")
    info = probe(out)
    assert out.suffix == ".mp3" and info.duration_s is not None and 5.9 <= info.duration_s <= 6.2
    short = probe(launder(_wav(tmp_path / "short.wav", seconds=2.0), tmp_path / "cache", recipe="neutral"))
    assert short.duration_s is not None and short.duration_s < 2.3


def test_an_unknown_recipe_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown recipe"):
        launder(_wav(tmp_path / "a.wav"), tmp_path / "cache", recipe="tiktok")  # type: ignore[arg-type]


def test_random_audio_damage_repeats_for_a_seed_and_varies_across_seeds(tmp_path: Path) -> None:
    from veracity.media.damage import random_launder_audio

    src = _wav(tmp_path / "long.wav", seconds=6.0)
    draws = [random_launder_audio(src, np.random.default_rng(seed)) for seed in (1, 1, 2, 3, 4)]
    assert np.array_equal(draws[0], draws[1])
    assert all(d.dtype == np.float32 and np.isfinite(d).all() for d in draws)
    # Crops keep 3-6 s at 16 kHz (codec padding aside); different seeds give different lengths or samples.
    assert all(2.9 * 16_000 <= d.size <= 6.2 * 16_000 for d in draws)
    assert len({(d.size, round(float(np.abs(d).max()), 4)) for d in draws[1:]}) > 1
