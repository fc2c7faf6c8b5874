"""Identity and texture consistency along a track: sudden changes of the face's appearance between frames.

Swapped and re-rendered faces are made frame by frame; when the generator loses the identity for a moment the face
flickers: its texture or skin tone jumps between two neighbouring frames while the head barely moves. This compares
eye-aligned, brightness-normalised 24×24 views of the inner face and the skin tone of consecutive frames and flags
jumps far above the clip's own frame-to-frame change (the kind of check Li et al. describe for temporal
inconsistency; no face-recognition network is used, so it measures appearance, not identity in the biometric sense).

Where it fails: cuts, fast head turns, hands over the face, flashes and strong compression keyframes also make
jumps; a steady, well-made swap makes none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, contiguous, logistic

JUMP_RATIO = 3.0  # a frame-to-frame change this many times the clip's usual change counts as a jump
MIN_JUMP = 0.08  # ...and at least this large in absolute terms (1 - correlation + tone change)


def appearance_descriptor(crop: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Per-frame hook: 24×24 normalised grey view of the inner face + mean skin tone (a*, b*)."""
    import cv2

    size = crop.shape[0]
    inner = crop[int(0.28 * size) : int(0.92 * size), int(0.2 * size) : int(0.8 * size)]
    grey = cv2.resize(cv2.cvtColor(inner, cv2.COLOR_RGB2GRAY), (24, 24), interpolation=cv2.INTER_AREA)
    grey = grey.astype(np.float32).ravel()
    grey = (grey - grey.mean()) / (grey.std() + 1e-3)
    lab = cv2.cvtColor(inner, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    return np.concatenate([grey, lab[:, 1:].mean(axis=0)]).astype(np.float32)


def identity_signal(tracks: Any) -> SignalOutcome:
    if tracks.is_still:
        return SignalOutcome.cannot_judge("a still image has no frames to compare")
    curves, jumps_total, compared = [], 0, 0
    jump_times: list[float] = []
    for track in tracks.usable:
        obs = [o for o in track.meshed if "look" in o.features and abs(o.yaw_proxy) < 0.5]
        if len(obs) < 6:
            continue
        times = np.array([o.time_s for o in obs])
        change = np.full(len(obs), np.nan)
        for start, end in contiguous(times, tracks.fps):
            for i in range(start + 1, end):
                a, b = obs[i - 1].features["look"], obs[i].features["look"]
                corr = float(np.dot(a[:-2], b[:-2]) / len(a[:-2]))
                change[i] = (1.0 - corr) + float(np.hypot(*(a[-2:] - b[-2:]))) / 10.0
        valid = np.isfinite(change)
        if valid.sum() < 5:
            continue
        usual = float(np.median(change[valid]))
        spread = float(np.median(np.abs(change[valid] - usual))) + 0.005
        ratio = (change - usual) / (3 * spread) + 1.0
        suspicion = np.array([logistic(r, JUMP_RATIO, 0.6) if np.isfinite(r) else 0.0 for r in ratio])
        jumps = valid & (np.nan_to_num(ratio) >= JUMP_RATIO) & (np.nan_to_num(change) >= MIN_JUMP + usual)
        jumps_total += int(jumps.sum())
        compared += int(valid.sum())
        jump_times.extend(round(float(times[i]), 3) for i in np.flatnonzero(jumps)[:10])
        rate = jumps.sum() / max(valid.sum(), 1)
        curves.append(TrackCurve(track.track_id, times, np.array([o.frame_idx for o in obs]), suspicion,
                                 score=float(min(1.0, 10 * rate))))
    if not curves:
        return SignalOutcome.cannot_judge("no face stays in view long enough (6 frontal frames) to compare")
    score = max(c.score for c in curves)
    rate = jumps_total / max(compared, 1)
    if jumps_total:
        message = (f"The face's appearance jumps abruptly {jumps_total} time(s) between neighbouring frames, "
                   "far more than it changes otherwise; generated faces flicker like this (so do cuts and flashes).")
    else:
        message = "The face's appearance changes smoothly from frame to frame: no sudden flicker of identity."
    return SignalOutcome(
        judged=True, score=score, p_synthetic=0.42 + 0.3 * score, message=message,
        suspicious=score >= 0.3, reassuring=jumps_total == 0, curves=curves,
        data={"jumps": jumps_total, "frame_pairs": compared, "jump_rate": round(rate, 4),
              "jump_times_s": jump_times[:20]},
    )
