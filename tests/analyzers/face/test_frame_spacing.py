"""Face signals that follow something over time abstain when the frames they are given are too far apart to see it
(blinks ≤ 100 ms, lip sync ≤ 125 ms, pulse ≤ 150 ms between sampled frames), and judge when they are close enough.
The clips are the same moving face written at different frame rates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.config import Profile, Settings
from veracity.evidence import Status
from veracity.scanner import check

SECONDS, RATE_HZ = 7.0, 16_000


def _clip(folder: Path, fps: int, seconds: float = SECONDS, talking: bool = False) -> Path:
    from training.manipulations.face_swap import astronaut_clip, manipulate_clip, mouth_reanimate, write_clip

    from tests.analyzers.face.test_lip_sync import _syllables, _voice

    frames = astronaut_clip(frames=int(seconds * fps), size_px=320)
    audio = None
    if talking:
        loudness = _syllables(1)
        opening = [float(loudness[min(int(i / fps * RATE_HZ), len(loudness) - 1)]) for i in range(len(frames))]
        frames = manipulate_clip(frames, lambda f, lm, i: mouth_reanimate(f, lm, 0.35 * opening[i]))
        audio = _voice(loudness)
    return write_clip(folder / f"face_{fps}fps{'_talking' if talking else ''}.mp4", frames, fps, audio, RATE_HZ)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("frame_spacing")
    return {"12fps": _clip(folder, 12), "8fps": _clip(folder, 8), "6fps": _clip(folder, 6),
            "15fps": _clip(folder, 15, seconds=5.0)}


def _result(path: Path, analyzer_id: str, profile: Profile = Profile.DEFAULT) -> object:
    return check(path, analyzers=[analyzer_id], settings=Settings(profile=profile)).results[0]


def test_blinking_is_judged_at_12_frames_a_second_and_not_at_8(clips: dict[str, Path]) -> None:
    judged = _result(clips["12fps"], "face.blink")
    assert judged.status is Status.OK, judged.reason
    assert judged.findings[0].data["fps"] == pytest.approx(12, abs=0.5)
    sparse = _result(clips["8fps"], "face.blink")
    assert sparse.status is Status.ABSTAINED and sparse.p_synthetic is None
    assert "125 ms apart" in sparse.reason and "too far apart to measure blinking" in sparse.reason
    assert "100 ms" in sparse.reason


def test_blinking_follows_the_sampled_frames_not_the_container_rate(clips: dict[str, Path]) -> None:
    # A 15 fps file: the default face sampling (at most 13 a second) takes every 2nd frame, 133 ms apart; the
    # thorough one (up to 25 a second) takes every frame.
    default = _result(clips["15fps"], "face.blink")
    assert default.status is Status.ABSTAINED and "133 ms apart" in default.reason, default.reason
    thorough = _result(clips["15fps"], "face.blink", Profile.THOROUGH)
    assert thorough.status is Status.OK, thorough.reason


def test_pulse_is_measured_at_8_frames_a_second_and_not_at_6(clips: dict[str, Path]) -> None:
    judged = _result(clips["8fps"], "face.pulse")
    assert judged.status is Status.OK, judged.reason
    sparse = _result(clips["6fps"], "face.pulse")
    assert sparse.status is Status.ABSTAINED and "too far apart to measure the pulse" in sparse.reason
    assert "167 ms apart" in sparse.reason


def test_lip_sync_abstains_when_frames_are_sparser_than_two_per_syllable(tmp_path: Path) -> None:
    sparse = _result(_clip(tmp_path, 6, seconds=5.0, talking=True), "face.lip_sync")
    assert sparse.status is Status.ABSTAINED and "too far apart to measure lip sync" in sparse.reason
    judged = _result(_clip(tmp_path, 8, seconds=5.0, talking=True), "face.lip_sync")
    assert judged.status is Status.OK, judged.reason
    assert np.isfinite(judged.findings[0].data["correlation"])


def test_the_verdict_says_what_could_not_be_measured(clips: dict[str, Path]) -> None:
    sparse = check(clips["8fps"], analyzers=["face.blink", "face.pulse"])
    lines = [line for line in sparse.verdict.missing if "too far apart" in line]
    assert len(lines) == 1 and lines[0].startswith("Blinking could not be measured: the frames examined are 125 ms")
    judged = check(clips["12fps"], analyzers=["face.blink", "face.pulse"])
    assert not [line for line in judged.verdict.missing if "too far apart" in line]

