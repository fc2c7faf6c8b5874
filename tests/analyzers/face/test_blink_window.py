"""How much "too few blinks" says depends on how long the face was watched: no blink in a few seconds is common in
real people (weak evidence), no blink in 20 s is rare (strong), and a face that blinks every few seconds reads as
real. The clips are a real face (skimage's astronaut) with small head motions, its eyelids lowered for blinks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.face._blink import blinks_this_rare, judge_blinks
from veracity.analyzers.face._tracking import FACE_PLANS
from veracity.config import Profile
from veracity.evidence import Direction, Status
from veracity.scanner import check

FPS = 12


def _clip(folder: Path, seconds: float, blink_every_s: float | None = None) -> Path:
    from training.manipulations.face_swap import astronaut_clip, eyes_close, manipulate_clip, write_clip

    frames = astronaut_clip(frames=int(seconds * FPS), size_px=320)
    if blink_every_s is not None:
        period = int(blink_every_s * FPS)
        shut = {period // 2: 0.6, period // 2 + 1: 1.0, period // 2 + 2: 0.6}  # a 250-ms blink mid-period
        frames = manipulate_clip(frames, lambda f, lm, i: eyes_close(f, lm, shut.get(i % period, 0.0)))
    name = f"face_{seconds:g}s_{'blinking' if blink_every_s else 'staring'}.mp4"
    return write_clip(folder / name, frames, FPS)


def _blink(path: Path) -> object:
    result = check(path, analyzers=["face.blink"]).results[0]
    assert result.status is Status.OK, result.reason
    return result


def test_no_blink_in_a_short_window_is_weak_evidence(tmp_path: Path) -> None:
    result = _blink(_clip(tmp_path, 5.0))
    finding = result.findings[0]
    assert finding.data["blinks"] == 0
    assert 0.5 < result.p_synthetic < 0.6  # 1 in 3 real people go 5 s without blinking
    assert finding.direction is not Direction.SYNTHETIC
    assert "does not blink in 5.0 s; 1 in 3 real people" in finding.message and "weak evidence" in finding.message


def test_no_blink_in_a_long_window_is_strong_evidence(tmp_path: Path) -> None:
    result = _blink(_clip(tmp_path, 20.0))
    finding = result.findings[0]
    assert finding.data["blinks"] == 0 and finding.data["people_blinking_this_rarely"] < 0.1
    assert result.p_synthetic >= 0.75 and finding.direction is Direction.SYNTHETIC
    assert "does not blink in 20.0 s; 1 in 13 real people" in finding.message


def test_a_face_blinking_every_few_seconds_reads_as_real(tmp_path: Path) -> None:
    result = _blink(_clip(tmp_path, 10.0, blink_every_s=10 / 3))
    finding = result.findings[0]
    assert finding.data["blinks"] == 3, finding.message
    assert result.p_synthetic < 0.5 and finding.direction is Direction.AUTHENTIC


def test_the_chance_of_blinking_this_rarely_falls_with_the_window_and_rises_with_the_count() -> None:
    windows = [blinks_this_rare(0, s) for s in (4, 8, 16, 32, 64)]
    assert all(a > b for a, b in zip(windows, windows[1:], strict=False))
    assert windows[0] > 0.3 and windows[-1] < 0.01
    assert blinks_this_rare(0, 20) < blinks_this_rare(1, 20) < blinks_this_rare(2, 20)
    judged = [judge_blinks(1, [], s) for s in (4, 8, 16, 32)]
    assert [j.p_synthetic for j in judged] == sorted(j.p_synthetic for j in judged)
    assert not judged[0].suspicious and judged[-1].suspicious


def _plain_clip(path: Path, seconds: float, fps: int) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(int(seconds * fps)):
            rgb = np.full((64, 64, 3), i % 256, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize(("fps", "step_s", "covered_s"), [(30, 0.1, 48.0), (25, 0.08, 38.4)])
def test_a_long_clip_is_followed_densely_over_what_the_frame_budget_covers(
    tmp_path: Path, fps: int, step_s: float, covered_s: float
) -> None:
    # 70 s: the face sampling keeps the frames as close as on a short clip (every 3rd frame of 30 fps, every 2nd of
    # 25 fps) over as long a stretch from the start as its 480 frames cover, instead of thinning them out.
    from veracity.analyzers.face._tracking import face_sampling
    from veracity.media.probe import probe
    from veracity.media.video import iter_frames_multi

    info = probe(_plain_clip(tmp_path / f"long_{fps}.mp4", 70.0, fps))
    sampling = face_sampling(info, Profile.DEFAULT)
    times = np.array([frame.time_s for _which, frame in iter_frames_multi(info, [sampling])])
    assert len(times) <= FACE_PLANS[Profile.DEFAULT].max_frames
    assert np.diff(times).max() == pytest.approx(step_s, abs=1e-3)
    assert times[-1] == pytest.approx(covered_s - step_s, abs=0.05)


def test_blinking_is_judged_on_a_clip_longer_than_the_frame_budget_spreads_densely(tmp_path: Path) -> None:
    # 42 s at 12 frames a second: 480 frames spread over it would be 167 ms apart (too sparse for blinks); followed
    # densely over the first 40 s instead, the face is seen long enough for strong evidence of never blinking.
    result = _blink(_clip(tmp_path, 42.0))
    finding = result.findings[0]
    assert finding.data["fps"] == pytest.approx(FPS, abs=0.5) and finding.data["seconds"] >= 39
    assert result.p_synthetic >= 0.75 and finding.direction is Direction.SYNTHETIC
