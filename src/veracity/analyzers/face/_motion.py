"""Landmark jitter and head-pose consistency: does the inner face move with the head that carries it?

Jitter. After removing the head's motion (a similarity transform fitted to the face outline), the rigid inner-face
points (eye corners, nose, inner brows) of a real face stay put from frame to frame up to the landmark detector's
own noise. A swapped or re-rendered inner face is generated frame by frame and wobbles against the outline:
high-frequency jitter (the second difference over three frames) measured in percent of the eye distance.
Cf. temporal-inconsistency detectors (e.g. Sun et al., "Improving the efficiency and robustness of deepfakes
detection through precise geometric features", CVPR 2021).

Head pose. Yang, Li & Lyu (ICASSP 2019, "Exposing deep fakes using inconsistent head poses") estimate the head
pose twice, from the central face only and from the whole face, and find the two disagree in swaps because the
central face was generated for another pose. Here both poses are fitted with a weak-perspective camera to the
track's own median 3D face shape (MediaPipe's mesh gives depth), and the angle between the two rotations is the
signal.

Where they fail: landmark noise grows on small, blurred or compressed faces and in profile; fast expressions move
eye corners; the pose check needs a moving head and is blind to reenactment that keeps the original face geometry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._landmarks import CENTRAL, EYE_LEFT, EYE_RIGHT, FACE_OVAL, RIGID_INNER
from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, contiguous, logistic

JITTER_CENTRE, JITTER_WIDTH = 1.2, 0.3  # % of eye distance; set from real corpus faces
POSE_FLOOR_DEG = 2.0
MOTION_SCALE_PCT = 5.0  # head speed (% eye distance per frame) at which landmark noise doubles
POSE_CENTRE, POSE_WIDTH = 0.5, 0.12  # pose disagreement relative to how far the head turns


def _similarity(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Umeyama: scale, rotation, shift with dst ≈ scale * R @ src + shift."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a)
    d = np.ones(len(sig))
    d[-1] = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = u @ np.diag(d) @ vt
    scale = float((sig * d).sum() / max((a**2).sum(), 1e-12))
    return scale, rot, mu_d - scale * rot @ mu_s


def _usable_meshed(track: Any) -> list[Any]:
    return [o for o in track.meshed if abs(o.yaw_proxy) < 0.5]


def jitter_signal(tracks: Any) -> SignalOutcome:
    if tracks.is_still:
        return SignalOutcome.cannot_judge("a still image has no motion to measure")
    curves, all_values, raw_values, speeds = [], [], [], []
    small = 0
    for track in tracks.usable:
        obs = _usable_meshed(track)
        if len(obs) < 5:
            continue
        if np.median([o.face_width_px for o in obs]) < 60:
            small += 1
            continue
        points = np.stack([o.landmarks[:, :2] for o in obs]).astype(np.float64)
        reference = np.median(points, axis=0)
        eye_dist = float(np.linalg.norm(reference[list(EYE_LEFT)].mean(0) - reference[list(EYE_RIGHT)].mean(0)))
        inner = np.empty((len(obs), len(RIGID_INNER), 2))
        for i, frame_points in enumerate(points):
            scale, rot, shift = _similarity(frame_points[list(FACE_OVAL)], reference[list(FACE_OVAL)])
            inner[i] = (scale * (rot @ frame_points[list(RIGID_INNER)].T)).T + shift
        times = np.array([o.time_s for o in obs])
        jitter = np.full(len(obs), np.nan)
        speed = np.full(len(obs), np.nan)
        centres = points[:, list(FACE_OVAL)].mean(axis=1)
        for start, end in contiguous(times, tracks.fps):
            if end - start < 3:
                continue
            second = inner[start + 2 : end] - 2 * inner[start + 1 : end - 1] + inner[start : end - 2]
            jitter[start + 1 : end - 1] = 100 * np.linalg.norm(second, axis=2).mean(axis=1) / max(eye_dist, 1e-6) / 2
            step = np.linalg.norm(centres[start + 2 : end] - centres[start : end - 2], axis=1) / 2
            speed[start + 1 : end - 1] = 100 * step / max(eye_dist, 1e-6)
        valid = np.isfinite(jitter)
        if valid.sum() < 3:
            continue
        speeds.extend(speed[valid].tolist())
        raw_values.extend(jitter[valid].tolist())
        # Landmark noise grows with head motion (blur, rolling shutter); compare jitter at equal motion.
        jitter = jitter / (1.0 + speed / MOTION_SCALE_PCT)
        all_values.extend(jitter[valid].tolist())
        median = float(np.median(jitter[valid]))
        suspicion = np.array([logistic(j, JITTER_CENTRE, JITTER_WIDTH) if np.isfinite(j) else 0.0 for j in jitter])
        curves.append(TrackCurve(track.track_id, times, np.array([o.frame_idx for o in obs]), suspicion,
                                 score=logistic(median, JITTER_CENTRE, JITTER_WIDTH)))
    if not curves:
        why = "the face is too small" if small else "no face is seen frontally for 5 consecutive frames"
        return SignalOutcome.cannot_judge(f"{why} to measure landmark jitter")
    median = float(np.median(all_values))
    return SignalOutcome.from_worst_curve(
        curves, suspicious_at=0.6, reassuring_at=0.3, p_range=(0.3, 0.7),
        messages=(
            "Face {track}: eyes and nose wobble against the face outline from frame to frame "
            f"(about {median:.1f}% of the eye distance), as a face generated frame by frame does.",
            f"Face {{track}}: the inner face moves steadily with the head (jitter {median:.1f}%).",
            f"Face {{track}}: some frame-to-frame wobble of the inner face ({median:.1f}%); inconclusive.",
        ),
        data={"median_jitter_pct_eye_distance": round(float(np.median(raw_values)), 3),
              "motion_compensated_jitter": round(median, 3),
              "median_head_speed_pct_eye_distance": round(float(np.median(speeds)), 3), "fps": round(tracks.fps, 2)},
    )


def _weak_perspective_rotation(model: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Rotation of a 3D point set seen as ``image`` (2D) under scaled orthography (least squares)."""
    model_c = model - model.mean(0)
    image_c = image - image.mean(0)
    projection, *_ = np.linalg.lstsq(model_c, image_c, rcond=None)  # 3×2
    r1, r2 = projection[:, 0], projection[:, 1]
    r1 = r1 / max(np.linalg.norm(r1), 1e-9)
    r2 = r2 - np.dot(r2, r1) * r1
    r2 = r2 / max(np.linalg.norm(r2), 1e-9)
    return np.stack([r1, r2, np.cross(r1, r2)])


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cos = (np.trace(a @ b.T) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def head_pose_signal(tracks: Any) -> SignalOutcome:
    if tracks.is_still:
        return SignalOutcome.cannot_judge("a single image gives no reference face shape to compare poses with")
    curves: list[TrackCurve] = []
    all_angles: list[float] = []
    all_turns: list[float] = []
    all_ratios: list[float] = []
    for track in tracks.usable:
        obs = _usable_meshed(track)
        if len(obs) < 5 or np.median([o.face_width_px for o in obs]) < 60:
            continue
        shapes = np.stack([o.landmarks for o in obs]).astype(np.float64)
        aligned = []
        base = shapes[len(shapes) // 2]
        for shape in shapes:
            scale, rot, shift = _similarity(shape, base)
            aligned.append((scale * (rot @ shape.T)).T + shift)
        model = np.median(np.stack(aligned), axis=0)
        whole = list(FACE_OVAL) + list(CENTRAL)
        angles, turns = [], []
        for s in shapes:
            whole_pose = _weak_perspective_rotation(model[whole], s[whole, :2])
            angles.append(_angle_deg(_weak_perspective_rotation(model[list(CENTRAL)], s[list(CENTRAL), :2]),
                                     whole_pose))
            turns.append(_angle_deg(whole_pose, np.eye(3)))
        # Both estimates err more the further the head turns from its usual pose: judge the disagreement
        # relative to the turn (plus a floor for landmark noise), not in absolute degrees.
        ratio = np.array(angles) / (np.array(turns) + POSE_FLOOR_DEG)
        all_angles.extend(angles)
        all_turns.extend(turns)
        all_ratios.extend(ratio.tolist())
        suspicion = np.array([logistic(r, POSE_CENTRE, POSE_WIDTH) for r in ratio])
        curves.append(TrackCurve(track.track_id, np.array([o.time_s for o in obs]),
                                 np.array([o.frame_idx for o in obs]), suspicion,
                                 score=logistic(float(np.median(ratio)), POSE_CENTRE, POSE_WIDTH)))
    if not curves:
        return SignalOutcome.cannot_judge("no face large and frontal enough for 5 frames to estimate its pose")
    median = float(np.median(all_angles))
    return SignalOutcome.from_worst_curve(
        curves, suspicious_at=0.6, reassuring_at=0.3, p_range=(0.35, 0.65),
        messages=(
            "Face {track}: the head pose implied by eyes, nose and mouth differs from the pose of "
            f"the whole head by about {median:.0f}°, as when a face generated for another pose is pasted in.",
            f"Face {{track}}: inner face and head outline agree on the head pose (within {median:.0f}°).",
            f"Face {{track}}: inner-face and whole-head poses differ by about {median:.0f}°; inconclusive.",
        ),
        data={"median_pose_difference_deg": round(median, 2),
              "median_head_turn_deg": round(float(np.median(all_turns)), 2),
              "median_relative_difference": round(float(np.median(all_ratios)), 3)},
    )
