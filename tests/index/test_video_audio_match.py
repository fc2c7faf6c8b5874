"""Clips: a trimmed, mirrored, re-encoded copy matches with the right time range; a still frame is found in the
clip; audio copies match through spectral landmarks; unrelated media match nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pdqhash")

from PIL import Image  # noqa: E402

from veracity.index.search import match_file  # noqa: E402
from veracity.index.store import IndexStore  # noqa: E402
from veracity.testing.clips import pan_frames, write_video  # noqa: E402
from veracity.testing.pictures import photo  # noqa: E402
from veracity.testing.sound import music, write_audio  # noqa: E402

FPS = 8


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    frames = pan_frames([photo("astronaut"), photo("coffee"), photo("chelsea")], fps=FPS)
    paths = {
        "clip": write_video(frames, folder / "clip.mp4", fps=FPS),
        "other": write_video(pan_frames([photo("rocket"), photo("immunohistochemistry")], fps=FPS),
                             folder / "other.mp4", fps=FPS),
        "song": write_audio(music(1), folder / "song.wav"),
        "tune": write_audio(music(2), folder / "tune.wav"),
        "store": folder / "store.sqlite",
    }
    with IndexStore(paths["store"]) as index:
        for key in ("clip", "other", "song", "tune"):
            index.add_path(paths[key])
    paths["frames_dir"] = folder
    np.save(folder / "frames.npy", np.stack(frames))
    return paths


def _copies(query: Path, store: Path) -> dict[str, object]:
    return {Path(c.paths[0]).name: c for c in match_file(query, store).copies}


def test_trimmed_mirrored_reencoded_clip_matches_with_its_time_range(library: dict[str, Path], tmp_path: Path) -> None:
    frames = np.load(library["frames_dir"] / "frames.npy")
    start = 2 * FPS  # the copy starts 2 s into the original and keeps 5 s
    edited = [np.asarray(Image.fromarray(np.ascontiguousarray(f[:, ::-1])).resize((320, 240)))
              for f in frames[start:start + 5 * FPS]]
    copies = _copies(write_video(edited, tmp_path / "copy.mp4", fps=FPS, crf=35), library["store"])
    assert set(copies) == {"clip.mp4"}
    ranges = copies["clip.mp4"].ranges
    assert ranges and abs(ranges[0].copy_start_s - ranges[0].query_start_s - 2.0) <= 0.6
    assert copies["clip.mp4"].coverage > 0.5


def test_cropped_letterboxed_clip_matches(library: dict[str, Path], tmp_path: Path) -> None:
    frames = np.load(library["frames_dir"] / "frames.npy")
    h, w = frames.shape[1:3]
    edited = []
    for f in frames[::2]:
        crop = f[h // 10: h - h // 10, w // 10: w - w // 10]
        canvas = np.zeros((h + 40, w, 3), np.uint8)
        canvas[20:20 + crop.shape[0], (w - crop.shape[1]) // 2:(w - crop.shape[1]) // 2 + crop.shape[1]] = crop
        edited.append(canvas)
    copies = _copies(write_video(edited, tmp_path / "boxed.mp4", fps=FPS // 2), library["store"])
    assert set(copies) == {"clip.mp4"}


def test_a_still_frame_is_found_inside_the_clip(library: dict[str, Path], tmp_path: Path) -> None:
    frames = np.load(library["frames_dir"] / "frames.npy")
    still = tmp_path / "thumb.png"
    Image.fromarray(frames[5 * FPS]).save(still)
    copies = _copies(still, library["store"])
    assert set(copies) == {"clip.mp4"}
    assert abs(copies["clip.mp4"].ranges[0].copy_start_s - 5.0) <= 0.6


def test_unrelated_clip_matches_nothing(library: dict[str, Path], tmp_path: Path) -> None:
    frames = pan_frames([photo("camera"), photo("hubble_deep_field")], fps=FPS)
    assert _copies(write_video(frames, tmp_path / "unrelated.mp4", fps=FPS), library["store"]) == {}


def test_audio_copies_match_and_unrelated_audio_does_not(library: dict[str, Path], tmp_path: Path) -> None:
    song = music(1)
    rng = np.random.default_rng(0)
    trimmed = _copies(write_audio(song[3 * 16000: 9 * 16000], tmp_path / "trim.mp3"), library["store"])
    assert set(trimmed) == {"song.wav"}
    assert trimmed["song.wav"].via == "audio"
    assert abs(trimmed["song.wav"].ranges[0].copy_start_s - 3.0) <= 0.3
    noisy = 0.3 * song + 0.02 * rng.standard_normal(len(song)).astype(np.float32)
    assert set(_copies(write_audio(noisy, tmp_path / "noisy.wav"), library["store"])) == {"song.wav"}
    assert _copies(write_audio(music(3), tmp_path / "other.wav"), library["store"]) == {}
