from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.analyzers.base import AnalyzerInfo
from veracity.evidence import Direction, Status
from veracity.samples import samples_dir
from veracity.scanner import check

FACE_SIGNALS = ("face.blending", "face.landmark_jitter", "face.head_pose", "face.blink", "face.lip_sync",
                "face.pulse", "face.identity_drift")
ALL_FACE = (*FACE_SIGNALS, "face.timeline")


def _results(path: Path, ids: tuple[str, ...] = ALL_FACE) -> dict[str, Any]:
    return {r.analyzer_id: r for r in check(path, analyzers=ids).results}


@pytest.fixture(scope="module")
def reports(face_clips: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {name: _results(path) for name, path in face_clips.items()}


def test_swaps_and_self_blends_score_higher_on_blending_than_the_real_clip(reports: dict[str, dict[str, Any]]) -> None:
    p = {name: results["face.blending"] for name, results in reports.items()}
    assert all(r.status is Status.OK for r in p.values()), {k: r.reason for k, r in p.items()}
    assert p["swap"].p_synthetic > p["real"].p_synthetic
    assert p["self_blend"].p_synthetic > p["real"].p_synthetic
    finding = p["swap"].findings[0]
    assert finding.locus.artifact == "face.blending.boundary"
    assert p["swap"].artifacts[0].content.startswith(b"\x89PNG")


def test_real_clip_gets_every_temporal_signal_or_a_reason(reports: dict[str, dict[str, Any]]) -> None:
    results = reports["real"]
    for analyzer_id in FACE_SIGNALS:
        result = results[analyzer_id]
        assert result.status in (Status.OK, Status.ABSTAINED), (analyzer_id, result.reason)
        if result.status is Status.ABSTAINED:
            assert result.reason
        else:
            assert result.findings and result.findings[0].message
    # 3 s at 12 frames/s: too short for blinks and pulse, no sound for lip sync; each says so.
    assert results["face.pulse"].status is Status.ABSTAINED and "6 s" in results["face.pulse"].reason
    assert results["face.lip_sync"].status is Status.ABSTAINED and "audio" in results["face.lip_sync"].reason
    assert results["face.landmark_jitter"].status is Status.OK


def test_timeline_lists_the_track_and_draws_it(reports: dict[str, dict[str, Any]]) -> None:
    result = reports["swap"]["face.timeline"]
    assert result.status is Status.OK and result.p_synthetic is None
    tracks = [f for f in result.findings if f.code == "face.timeline.track"]
    assert len(tracks) == 1 and tracks[0].locus.face_track == 1
    assert tracks[0].data["frames"] >= 30
    names = {a.name for a in result.artifacts}
    assert tracks[0].locus.artifact in names
    assert all(a.content.startswith(b"\x89PNG") for a in result.artifacts)


def test_face_free_clip_abstains_with_a_reason() -> None:
    results = _results(samples_dir() / "moving_shapes.mp4")
    for analyzer_id in ALL_FACE:
        assert results[analyzer_id].status in (Status.ABSTAINED, Status.NOT_APPLICABLE)
        assert "no face" in results[analyzer_id].reason


def test_still_image_gets_blending_and_a_track(tmp_path: Path) -> None:
    from PIL import Image
    from skimage import data
    from training.manipulations.face_swap import face_landmarks, self_blend

    real = data.astronaut()
    blended = self_blend(real, face_landmarks(real), np.random.default_rng(3))
    Image.fromarray(real).save(tmp_path / "real.png")
    Image.fromarray(blended).save(tmp_path / "blended.png")
    real_result = _results(tmp_path / "real.png")
    blended_result = _results(tmp_path / "blended.png")
    assert set(real_result) == {"face.blending", "face.timeline"}  # temporal signals don't plan for stills
    assert real_result["face.timeline"].status is Status.OK
    assert blended_result["face.blending"].p_synthetic > real_result["face.blending"].p_synthetic


def test_missing_mediapipe_gives_missing_dependency_with_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: ["mediapipe"] if "mediapipe" in self.requires
                        else [])
    results = _results(samples_dir() / "moving_shapes.mp4")
    for analyzer_id in ALL_FACE:
        assert results[analyzer_id].status is Status.MISSING_DEPENDENCY
        assert "veracity[face]" in results[analyzer_id].hint


def test_directions_are_consistent_with_scores(reports: dict[str, dict[str, Any]]) -> None:
    for result in (r for results in reports.values() for r in results.values()):
        for finding in result.findings:
            if finding.direction is Direction.SYNTHETIC:
                assert result.p_synthetic > 0.5
            if finding.direction is Direction.AUTHENTIC:
                assert result.p_synthetic < 0.5


def test_animated_gif_is_followed_like_a_video(tmp_path: Path) -> None:
    from PIL import Image
    from training.manipulations.face_swap import astronaut_clip

    frames = [Image.fromarray(f) for f in astronaut_clip(frames=24, size_px=256)]
    path = tmp_path / "face.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    results = _results(path, ("face.landmark_jitter", "face.timeline"))
    assert results["face.timeline"].status is Status.OK
    track = next(f for f in results["face.timeline"].findings if f.code == "face.timeline.track")
    assert track.data["frames"] >= 20 and track.locus.end_s >= 2.0
    assert results["face.landmark_jitter"].status is Status.OK
