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

How much "too few blinks" says depends on how long the face was watched. Spontaneous blink rates vary widely
between people and with what they are doing: Bentivoglio et al. 1997 (Mov Disord 12:1028, 150 healthy adults)
measured on average 17 a minute at rest, 26 while talking and 4.5 while reading; Doughty 2001 (Optom Vis Sci
78:712, a review) puts resting rates across studies at about 10–15 a minute, with individuals from about 2 to
50; concentrating, staring or holding an expression lowers the rate. ``blinks_this_rare`` is the chance that a
real person shows at most the observed number of blinks in the window: blinks as a Poisson process, its rate
an equal mixture of the three measured conditions (``PEOPLE_RATES_PER_MIN``: concentrating 4.5, rest 17,
talking 26). No blink in 4.6 s: 1 in 3 people (weak evidence); in 10 s 1 in 6; in 20 s 1 in 13; in 30 s 1 in 28.
That chance becomes ``p_synthetic`` by Bayes' rule from even odds, taking a generated face to be as likely as not
to show so few blinks (``FAKE_FEW_BLINKS``): p = 0.5 / (0.5 + chance), at most ``P_FEW_MAX`` = 0.8 because a
real person may simply be reading or staring. The finding only points to manipulation when fewer than 1 in 10
real people would blink that rarely (``SUSPICIOUS_BELOW``). Blinking more often than ``NORMAL_RATE_PER_MIN``'s
upper end (50 a minute) is reported but is no evidence either way (p 0.5): people blink that fast when talking
or nervous, and so does a jittery eye measurement; a generator's fluttering eyelids are one cause among several.
These constants come from the physiology above, not from the corpus.

Where it fails: people reading or staring, glasses, downcast eyes. No blink in a long clip is a finding worth a
look, not proof.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from veracity.analyzers.face._landmarks import EAR_LEFT, EAR_RIGHT
from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, contiguous, runs, too_sparse

MIN_SECONDS = 4.0
NORMAL_RATE_PER_MIN = (6.0, 50.0)
PEOPLE_RATES_PER_MIN = (4.5, 17.0, 26.0)  # concentrating, at rest, talking (Bentivoglio et al. 1997)
FAKE_FEW_BLINKS = 0.5  # a generated face is taken to be as likely as not to blink this rarely (no corpus fit)
P_FEW_MAX = 0.8  # never more sure than this from blinking alone: the person may be reading or staring
SUSPICIOUS_BELOW = 0.1  # points to manipulation when fewer than 1 in 10 real people blink that rarely
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
    judged = judge_blinks(track.track_id, events, seconds)
    curve.score = judged.score
    return SignalOutcome(
        judged=True, score=judged.score, p_synthetic=judged.p_synthetic, message=judged.message,
        suspicious=judged.suspicious, reassuring=judged.reassuring, curves=curves,
        data={"people_blinking_this_rarely": judged.people_this_rare,
              "blinks": len(events), "seconds": round(seconds, 2), "rate_per_min": round(rate, 2),
              "mean_duration_s": round(float(np.mean(durations)), 3) if durations else None,
              "incomplete": partial, "fps": round(tracks.fps, 2)},
    )


def blinks_this_rare(count: int, seconds: float) -> float:
    """The chance that a real person blinks at most ``count`` times in ``seconds`` (see the module docstring)."""
    chances = []
    for rate in PEOPLE_RATES_PER_MIN:
        mean = rate / 60.0 * seconds
        chances.append(math.exp(-mean) * sum(mean**k / math.factorial(k) for k in range(count + 1)))
    return float(np.mean(chances))


@dataclass(frozen=True)
class BlinkJudgement:
    score: float  # 0..1 suspicion
    p_synthetic: float
    message: str
    suspicious: bool
    reassuring: bool
    people_this_rare: float | None  # chance a real person blinks this rarely (None where the rate is not low)


def _one_in(chance: float) -> str:
    return "hardly any" if chance < 0.005 else f"1 in {max(1, round(1 / chance))}"


def judge_blinks(track_id: int, events: list[dict[str, float]], seconds: float) -> BlinkJudgement:
    """A face's blinks over ``seconds`` of frontal view against human norms: too few for the window (how many
    real people blink that rarely), mostly odd or incomplete blinks, or faster than people blink."""
    rate = len(events) * 60.0 / seconds
    durations = [e["duration_s"] for e in events]
    partial = sum(e["completeness"] < 0.3 for e in events)
    odd_durations = sum(not NORMAL_DURATION_S[0] <= d <= NORMAL_DURATION_S[1] for d in durations)
    if rate < NORMAL_RATE_PER_MIN[0]:
        chance = blinks_this_rare(len(events), seconds)
        p = min(P_FEW_MAX, FAKE_FEW_BLINKS / (FAKE_FEW_BLINKS + chance))
        strength = ("strong" if chance < 0.05 else "some" if chance < SUSPICIOUS_BELOW else
                    "weak" if chance < 0.3 else "very weak")
        seen = "does not blink" if not events else f"blinks only {len(events)} time(s)"
        message = (f"Face {track_id} {seen} in {seconds:.1f} s; {_one_in(chance)} real people blink that rarely "
                   f"over so long (more while reading or staring), so this is {strength} evidence of a "
                   "generated face.")
        return BlinkJudgement(score=round(p, 4), p_synthetic=p, message=message, suspicious=chance < SUSPICIOUS_BELOW,
                              reassuring=False, people_this_rare=round(chance, 4))
    if odd_durations > len(events) / 2 or partial > len(events) / 2:
        score = 0.45
        message = (f"Face {track_id} blinks {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), with "
                   f"{odd_durations} blink(s) of unusual length and {partial} incomplete; unusual for a person.")
    elif rate > NORMAL_RATE_PER_MIN[1]:
        score = 1 / 3  # p 0.5: no evidence either way
        low, high = NORMAL_RATE_PER_MIN
        message = (f"Face {track_id} blinks {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), more "
                   f"often than people usually do ({low:.0f}–{high:.0f} a minute); not evidence either way: nervous "
                   "or talking people blink fast, and so do fluttering generated eyelids or a jittery measurement.")
    else:
        score = 0.1
        message = (f"Face {track_id} blinks {len(events)} time(s) in {seconds:.0f} s ({rate:.0f}/min), "
                   "as people do.")
    return BlinkJudgement(score=score, p_synthetic=0.35 + 0.45 * score, message=message, suspicious=score >= 0.5,
                          reassuring=score <= 0.1, people_this_rare=None)
