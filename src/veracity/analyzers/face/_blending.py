"""Blending boundary: does the inner face differ from the rest of the face in colour, light, sharpness or noise?

A face swap pastes a generated inner face into the original head and blends it near the face outline. The pasted
part keeps its own texture statistics: often smoother (generator output upsampled), a slightly different colour
cast, a different noise level. This compares, in twelve sectors around the face, a ring well inside the face
(40–72 % of the way to the outline) with a ring near the outline (80–97 %), with eyes, brows, nostrils and mouth
masked out. The idea is the one behind Face X-ray (Li et al., CVPR 2020) and self-blended images (Shiohara &
Yamasaki, CVPR 2022), done with hand-made statistics instead of a learned network.

Where it fails: strong side light, beards and hair over the cheeks, make-up and heavy compression all change the
statistics between the rings on real faces; whole-frame generators (talking heads that render the full frame)
have no seam at all. It judges the seam, not the realism.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._landmarks import FEATURES
from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, logistic

SECTORS = 12
INNER_RING = (0.40, 0.72)
OUTER_RING = (0.80, 0.97)
SCORE_CENTRE, SCORE_WIDTH = 2.6, 0.3  # per-frame score → suspicion; set from the corpus' real faces
MAX_YAW = 0.35  # beyond this the far side of the face is foreshortened and the rings are unreliable


def _ring_masks(shape: tuple[int, ...], landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    import cv2

    hull = cv2.convexHull(landmarks.astype(np.float32)).reshape(-1, 2)
    centre = hull.mean(axis=0)

    def polygon(factor: float) -> np.ndarray:
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [np.round(centre + factor * (hull - centre)).astype(np.int32)], (1,))
        return mask

    features = np.zeros(shape, np.uint8)
    for group in FEATURES:
        cv2.fillPoly(features, [cv2.convexHull(np.round(landmarks[list(group)]).astype(np.int32))], (1,))
    keep = cv2.dilate(features, np.ones((7, 7), np.uint8)) == 0
    inner = (polygon(INNER_RING[1]) > polygon(INNER_RING[0])) & keep
    outer = (polygon(OUTER_RING[1]) > polygon(OUTER_RING[0])) & keep
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    sector = ((np.arctan2(ys - centre[1], xs - centre[0]) + np.pi) / (2 * np.pi) * SECTORS).astype(int) % SECTORS
    return inner, outer, sector, (hull, centre)


def blend_stats(crop: np.ndarray, landmarks: np.ndarray) -> dict[str, Any]:
    """Per-frame hook: sector-wise mismatch between the inner and the outer ring of an aligned face crop."""
    import cv2

    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    noise = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.0))
    sharp = np.abs(cv2.Laplacian(cv2.GaussianBlur(grey, (0, 0), 0.8), cv2.CV_32F))
    inner, outer, sector, _ = _ring_masks(grey.shape, landmarks)

    def sector_means(mask: np.ndarray) -> tuple[np.ndarray, ...]:
        ids = sector[mask]
        count = np.bincount(ids, minlength=SECTORS).astype(np.float32)
        safe = np.maximum(count, 1)
        stats = [np.bincount(ids, weights=m[mask], minlength=SECTORS) / safe
                 for m in (noise, sharp, lab[..., 0], lab[..., 1], lab[..., 2])]
        return count, *stats

    c_in, n_in, s_in, l_in, a_in, b_in = sector_means(inner)
    c_out, n_out, s_out, l_out, a_out, b_out = sector_means(outer)
    valid = (c_in >= 20) & (c_out >= 20)
    eps = 0.5
    mismatch = (np.abs(np.log((n_in + eps) / (n_out + eps))) + np.abs(np.log((s_in + eps) / (s_out + eps)))
                + np.hypot(a_in - a_out, b_in - b_out) / 8.0 + 0.25 * np.abs(l_in - l_out) / 20.0)
    mismatch = np.where(valid, mismatch, np.nan).astype(np.float32)
    if valid.sum() < SECTORS // 3:
        return {"score": float("nan"), "sectors": mismatch}
    top = np.sort(mismatch[valid])[::-1][: max(3, int(valid.sum()) // 2)]
    return {"score": float(top.mean()), "sectors": mismatch}


def blending_signal(tracks: Any) -> SignalOutcome:
    """Summarise the per-frame boundary statistics of every face track."""
    usable = tracks.usable
    if not usable:
        return SignalOutcome.cannot_judge("no face with landmarks was found")
    curves = []
    small = dark = 0
    for track in usable:
        rows = []
        for obs in track.meshed:
            blend = obs.features.get("blend")
            if blend is None or not np.isfinite(blend["score"]) or abs(obs.yaw_proxy) > MAX_YAW:
                continue
            if obs.face_width_px < 64:
                small += 1
                continue
            if obs.luma < 35:
                dark += 1
                continue
            rows.append((obs.time_s, obs.frame_idx, blend["score"]))
        if not rows:
            continue
        times, frames, scores = (np.array(v) for v in zip(*rows, strict=True))
        suspicion = np.array([logistic(s, SCORE_CENTRE, SCORE_WIDTH) for s in scores])
        curves.append(TrackCurve(track.track_id, times, frames.astype(int), suspicion,
                                 score=float(np.median(suspicion))))
    if not curves:
        why = "the face is too small" if small >= dark and small else "the face is too dark" if dark else \
            "the face is never seen frontally enough"
        return SignalOutcome.cannot_judge(f"{why} to compare the inner face with its surroundings")
    worst = max(curves, key=lambda c: c.score)
    raw = float(np.median([blend_score for blend_score in _raw(usable, worst.track_id)]))
    score = worst.score
    suspicious, reassuring = score >= 0.7, score <= 0.3
    if suspicious:
        message = (f"Face {worst.track_id}: the inner face differs from its outer edge in texture, sharpness or "
                   "colour. A pasted and blended face leaves such a seam; so can a drawn or heavily filtered face, "
                   "make-up or strong side light.")
    elif reassuring:
        message = (f"Face {worst.track_id}: texture, sharpness and colour run on smoothly from the inner face to "
                   "its edge; no blending seam stands out.")
    else:
        message = f"Face {worst.track_id}: the inner face and its edge differ a little; not clearly a blending seam."
    return SignalOutcome(
        judged=True, score=score, p_synthetic=0.2 + 0.6 * score, message=message, suspicious=suspicious,
        reassuring=reassuring, curves=curves,
        data={"median_mismatch": round(raw, 4), "frames_judged": int(sum(len(c.times_s) for c in curves))},
    )


def _raw(tracks: list[Any], track_id: int) -> list[float]:
    track = next(t for t in tracks if t.track_id == track_id)
    values = [o.features["blend"]["score"] for o in track.meshed if "blend" in o.features]
    return [v for v in values if np.isfinite(v)] or [0.0]


def boundary_heatmap(crop: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A [0, 1] map over the crop: the ring between the inner face and its edge, coloured by sector mismatch."""
    stats = blend_stats(crop, landmarks)
    _inner, _outer, sector, (hull, centre) = _ring_masks(crop.shape[:2], landmarks)
    import cv2

    band = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(band, [np.round(centre + OUTER_RING[1] * (hull - centre)).astype(np.int32)], (1,))
    core = np.zeros_like(band)
    cv2.fillPoly(core, [np.round(centre + INNER_RING[1] * (hull - centre)).astype(np.int32)], (1,))
    sectors = np.nan_to_num(np.array(stats["sectors"], np.float32))
    level = np.array([logistic(s, SCORE_CENTRE, SCORE_WIDTH) for s in sectors], np.float32)
    heat = np.where((band > 0) & (core == 0), level[sector], 0.0).astype(np.float32)
    return cv2.GaussianBlur(heat, (0, 0), 3.0)
