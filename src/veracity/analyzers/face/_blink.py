"""Blinking: eye aspect ratio over time → blink rate, duration and completeness, against human norms.

The eye aspect ratio (EAR, Soukupová & Čech 2016) is the eye's height over its width; it drops towards zero when
the eye closes. People blink about 8–30 times a minute (more when talking), each blink lasting 0.1–0.5 s and
closing the eye fully. Early deepfakes rarely blinked (Li, Chang & Lyu, "In Ictu Oculi", WIFS 2018); talking-head
generators often blink too regularly, too rarely, or only half-way.

Frame spacing: a blink closes the eye for roughly 100–400 ms (onset to reopening; the shortest ordinary blinks
about 100 ms). A blink is only counted when a frame lands while the eye is closed, so frames further apart than
the shortest blink can step over whole blinks, and "no blinks" would then say more about the frame rate than about
the face. The signal therefore abstains when the frames the face pipeline sampled (not the container's rate: the
default profile takes every 3rd frame of a 30 fps video, 100 ms apart, and every 2nd of a 15 fps one, 133 ms) are
more than ``MAX_SPACING_S`` = 100 ms apart, i.e. fewer than 10 a second.

Where it fails: short clips (a person can go 10 s without blinking), people reading or staring, glasses, downcast
eyes. No blink in a long clip is a finding worth a look, not proof.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._landmarks import EAR_LEFT, EAR_RIGHT
from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, contiguous, runs, too_sparse

MIN_SECONDS = 4.0
NORMAL_RATE_PER_MIN = (6.0, 35.0)
TYPICAL_RATE_PER_MIN = 17.0
NORMAL_DURATION_S = (0.05, 0.6)
MAX_SPACING_S = 0.1  # the shortest ordinary blink's eye closure (see the module docstring)


def eye_aspect_ratio(landmarks: np.ndarray) -> float:
    values = []
    for p1, p2, p3, p4, p5, p6 in (EAR_RIGHT, EAR_LEFT):
        pts = landmarks[:, :2]
        vertical = np.linalg.norm(pts[p2] - pts[p6]) + np.linalg.norm(pts[p3] - pts[p5])
        values.append(vertical / (2 * max(float(np.linalg.norm(pts[p1] - pts[p4])), 1e-6)))
    return float(np.mean(values))


def blinks(ear: np.ndarray, times_s: np.ndarray, fps: float) -> tuple[list[dict[str, float]], float]:
    """Blink events in one contiguous run: dips below 70 % of the open-eye level that last ≤ 1 s."""
    open_level = float(np.percentile(ear, 80))
    events = []
    for start, end in runs(ear < 0.7 * open_level):
        duration = (end - start) / fps
        if duration > 1.0:
            continue  # eyes closed or looking down, not a blink
        low = float(ear[start:end].min())
        events.append({"time_s": float(times_s[start]), "duration_s": round(duration, 3),
                       "completeness": round(1 - low / open_level, 3)})
    return events, open_level


def blink_signal(tracks: Any) -> SignalOutcome:
    if tracks.is_still:
        return SignalOutcome.cannot_judge("a still image shows no blinking")
    sparse = too_sparse(tracks, MAX_SPACING_S, "blinking",
                        "a blink closes the eye for 100–400 ms, so frames more than 100 ms apart (fewer than 10 a "
                        "second) can miss whole blinks and too few blinks would mean nothing")
    if sparse is not None:
        return sparse
    best: tuple[float, Any, list[dict[str, float]]] | None = None
    curves = []
    small = False
    for track in tracks.usable:
        obs = [o for o in track.meshed if abs(o.yaw_proxy) < 0.5]
        if not obs:
            continue
        if np.median([o.face_width_px for o in obs]) < 50:
            small = True
            continue
        times = np.array([o.time_s for o in obs])
        ear = np.array([eye_aspect_ratio(o.landmarks) for o in obs])
        events: list[dict[str, float]] = []
        seconds = 0.0
        suspicion = np.zeros(len(obs))
        for start, end in contiguous(times, tracks.fps):
            if end - start < 4:
                continue
            seconds += (end - start) / tracks.fps
            found, open_level = blinks(ear[start:end], times[start:end], tracks.fps)
            events.extend(found)
            suspicion[start:end] = np.clip(1 - ear[start:end] / max(open_level, 1e-6), 0, 1)
        if seconds < MIN_SECONDS:
            continue
        curves.append(TrackCurve(track.track_id, times, np.array([o.frame_idx for o in obs]), suspicion, score=0.0))
        if best is None or seconds > best[0]:
            best = (seconds, track, events)
    if best is None:
        why = "the face is too small to see the eyes" if small else \
            f"no face is seen frontally for {MIN_SECONDS:.0f} s"
        return SignalOutcome.cannot_judge(f"{why}; blinking can't be judged")
    seconds, track, events = best
    rate = len(events) * 60.0 / seconds
    durations = [e["duration_s"] for e in events]
    partial = sum(e["completeness"] < 0.3 for e in events)
    curve = next(c for c in curves if c.track_id == track.track_id)
    score, message = judge_blinks(track.track_id, events, seconds)
    curve.score = score
    return SignalOutcome(
        judged=True, score=score, p_synthetic=0.35 + 0.45 * score, message=message,
        suspicious=score >= 0.5, reassuring=score <= 0.1, curves=curves,
        data={"blinks": len(events), "seconds": round(seconds, 2), "rate_per_min": round(rate, 2),
              "mean_duration_s": round(float(np.mean(durations)), 3) if durations else None,
              "incomplete": partial, "fps": round(tracks.fps, 2)},
    )


def judge_blinks(track_id: int, events: list[dict[str, float]], seconds: float) -> tuple[float, str]:
    """Suspicion (0..1) and a sentence from a face's blinks over ``seconds`` of frontal view, against human norms:
    none at all, mostly odd or incomplete blinks, or a rate outside NORMAL_RATE_PER_MIN either way."""
    rate = len(events) * 60.0 / seconds
    durations = [e["duration_s"] for e in events]
    partial = sum(e["completeness"] < 0.3 for e in events)
    odd_durations = sum(not NORMAL_DURATION_S[0] <= d <= NORMAL_DURATION_S[1] for d in durations)
    if not events:
        # How unlikely a person is to go this long without blinking, at a typical 17 blinks a minute.
        score = float(min(0.9, 1.0 - np.exp(-TYPICAL_RATE_PER_MIN / 60.0 * seconds)))
        message = (f"Face {track_id} does not blink in {seconds:.0f} s; people usually blink every 2–10 s "
                   "(a finding, not proof: people staring or reading blink less).")
    elif odd_durations > len(events) / 2 or partial > len(events) / 2:
        score = 0.45
        message = (f"Face {track_id} blinks {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), with "
                   f"{odd_durations} blink(s) of unusual length and {partial} incomplete; unusual for a person.")
    elif rate < NORMAL_RATE_PER_MIN[0]:
        score = 0.35
        message = (f"Face {track_id} blinks only {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), "
                   "less than people usually do.")
    elif rate > NORMAL_RATE_PER_MIN[1]:
        score = 0.3
        low, high = NORMAL_RATE_PER_MIN
        message = (f"Face {track_id} blinks {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), more "
                   f"often than people usually do ({low:.0f}–{high:.0f} a minute); fluttering eyelids in a generated "
                   "face can cause this, and so can quick eye movements or a jittery measurement.")
    else:
        score = 0.1
        message = (f"Face {track_id} blinks {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), "
                   "as people do.")
    return score, message
