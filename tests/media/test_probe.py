from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.config import Limits, SamplingPlan
from veracity.errors import InputNotFound, MediaTooLarge, UnsupportedMedia
from veracity.evidence import MediaKind
from veracity.media.animated import webp_frame_durations_s
from veracity.media.audio import load_mono
from veracity.media.image import load_rgb
from veracity.media.probe import probe
from veracity.media.video import iter_frames

from ..conftest import SAMPLES


def test_kind_comes_from_content_not_extension(tmp_path: Path) -> None:
    disguised = tmp_path / "clip.mp4"
    disguised.write_bytes((SAMPLES / "camera_photo.jpg").read_bytes())
    info = probe(disguised)
    assert info.kind is MediaKind.IMAGE and info.container == "jpeg"


def test_video_probe_reports_streams_duration_and_hash() -> None:
    info = probe(SAMPLES / "moving_shapes.mp4")
    assert info.kind is MediaKind.VIDEO
    assert (info.width, info.height) == (320, 240)
    assert info.duration_s == pytest.approx(3.0, abs=0.2)
    assert info.fps == pytest.approx(15, abs=0.5)
    assert info.has_audio
    types = {s.type for s in info.streams}
    assert types == {"video", "audio"}
    assert len(info.sha256) == 64


def test_audio_probe_and_decode_to_chosen_rate() -> None:
    info = probe(SAMPLES / "tone.wav")
    assert info.kind is MediaKind.AUDIO and not info.width
    samples = load_mono(SAMPLES / "tone.wav", 8000)
    assert samples.dtype == np.float32
    assert len(samples) == pytest.approx(2.0 * 8000, rel=0.02)
    assert 0.1 < np.abs(samples).max() <= 1.0


def _animated_gif(path: Path, frames: int, duration_ms: int) -> Path:
    images = [Image.fromarray(np.full((32, 48, 3), 20 * i, np.uint8)) for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path


def test_animated_gif_is_video_with_timing(tmp_path: Path) -> None:
    info = probe(_animated_gif(tmp_path / "a.gif", 10, 50))
    assert info.kind is MediaKind.VIDEO
    assert info.frame_count == 10
    assert info.duration_s == pytest.approx(0.5)
    frames = list(iter_frames(info, SamplingPlan(fps_cap=10, max_frames=100)))
    assert [f.index for f in frames] == [0, 2, 4, 6, 8]
    assert frames[1].rgb.shape == (32, 48, 3)


def test_single_frame_gif_is_an_image(tmp_path: Path) -> None:
    path = tmp_path / "still.gif"
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(path)
    assert probe(path).kind is MediaKind.IMAGE


def test_animated_webp_durations_read_from_anmf_chunks(tmp_path: Path) -> None:
    path = tmp_path / "a.webp"
    images = [Image.fromarray(np.full((16, 16, 3), 40 * i, np.uint8)) for i in range(4)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=[100, 200, 300, 400], lossless=True)
    assert webp_frame_durations_s(path.read_bytes()) == pytest.approx([0.1, 0.2, 0.3, 0.4])
    info = probe(path)
    assert info.kind is MediaKind.VIDEO and info.duration_s == pytest.approx(1.0)


def test_video_sampling_respects_plan() -> None:
    info = probe(SAMPLES / "moving_shapes.mp4")
    frames = list(iter_frames(info, SamplingPlan(fps_cap=2, max_frames=4, max_side_px=160)))
    assert len(frames) == 4
    assert all(max(f.rgb.shape[:2]) <= 160 for f in frames)
    gaps = np.diff([f.time_s for f in frames])
    assert np.all(gaps >= 0.49)


def test_keyframes_only_sampling_decodes_fewer_frames() -> None:
    info = probe(SAMPLES / "moving_shapes.mp4")
    everything = list(iter_frames(info, SamplingPlan(fps_cap=30, max_frames=1000)))
    keyframes = list(iter_frames(info, SamplingPlan(fps_cap=30, max_frames=1000, keyframes_only=True)))
    assert 0 < len(keyframes) < len(everything)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(path, exif=exif.tobytes())
    assert load_rgb(path).shape == (40, 20, 3)


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("empty", UnsupportedMedia, "empty"),
        ("random", UnsupportedMedia, "not a readable"),
        ("text_as_mp4", UnsupportedMedia, "not a readable"),
        ("truncated_mp4", UnsupportedMedia, ""),
        ("pixel_bomb", MediaTooLarge, "pixels"),
        ("zero_length_video", UnsupportedMedia, "holds no"),
    ],
)
def test_bad_inputs_raise_a_plain_reason(bad_inputs: dict[str, Path], name: str, error: type, words: str) -> None:
    with pytest.raises(error) as caught:
        probe(bad_inputs[name])
    message = str(caught.value)
    assert str(bad_inputs[name]) in message and words in message and "\n" not in message


def test_missing_path_and_limits(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        probe(tmp_path / "nope.jpg")
    with pytest.raises(MediaTooLarge, match="bytes"):
        probe(SAMPLES / "camera_photo.jpg", Limits(max_file_bytes=1000))
    with pytest.raises(MediaTooLarge, match="s is over"):
        probe(SAMPLES / "moving_shapes.mp4", Limits(max_duration_s=1.0))
