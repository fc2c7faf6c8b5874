"""What every face signal returns: per-track curves of suspicion over time, a summary, or why it can't judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from veracity.analyzers.scoring import probability


@dataclass
class TrackCurve:
    track_id: int
    times_s: np.ndarray
    frame_idx: np.ndarray
    suspicion: np.ndarray  # 0 (looks natural) .. 1 (most suspicious), per sampled frame
    score: float  # this track's summary suspicion, 0..1

    def peak(self) -> tuple[float, int, float]:
        """(time_s, frame_idx, suspicion) of the most suspicious frame."""
        at = int(np.nanargmax(self.suspicion)) if np.isfinite(self.suspicion).any() else 0
        return float(self.times_s[at]), int(self.frame_idx[at]), float(np.nan_to_num(self.suspicion[at]))


@dataclass
class SignalOutcome:
    judged: bool
    reason: str | None = None  # why it could not judge
    score: float = 0.0  # 0..1 summary suspicion over the whole file
    p_synthetic: float | None = None
    message: str = ""
    suspicious: bool = False  # the finding points towards manipulation
    reassuring: bool = False  # the finding points towards a real capture
    curves: list[TrackCurve] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def cannot_judge(cls, reason: str) -> SignalOutcome:
        return cls(judged=False, reason=reason)

    @classmethod
    def from_worst_curve(
        cls,
        curves: list[TrackCurve],
        *,
        suspicious_at: float,
        reassuring_at: float,
        messages: tuple[str, str, str],
        p_range: tuple[float, float],
        data: dict[str, Any],
    ) -> SignalOutcome:
        """Judge a file by its most suspicious track; ``messages`` = (suspicious, reassuring, in between), each
        formatted with ``track`` (the track id); ``p_synthetic`` runs linearly over ``p_range`` with the score."""
        worst = max(curves, key=lambda c: c.score)
        suspicious, reassuring = worst.score >= suspicious_at, worst.score <= reassuring_at
        template = messages[0] if suspicious else messages[1] if reassuring else messages[2]
        low, high = p_range
        return cls(
            judged=True, score=worst.score, p_synthetic=low + (high - low) * worst.score,
            message=template.format(track=worst.track_id), suspicious=suspicious, reassuring=reassuring,
            curves=curves, data=data,
        )

    def worst_curve(self) -> TrackCurve | None:
        return max(self.curves, key=lambda c: c.score) if self.curves else None


def too_sparse(tracks: Any, max_spacing_s: float, what: str, why: str) -> SignalOutcome | None:
    """``cannot_judge`` when the frames the face pipeline sampled (``tracks.spacing_s``) are further apart than
    ``what`` needs (``max_spacing_s``); None when they are close enough (``analyzers.base.too_sparse``)."""
    from veracity.analyzers.base import too_sparse as reason

    why_not = reason(float(tracks.spacing_s), max_spacing_s, what, why)
    return None if why_not is None else SignalOutcome.cannot_judge(why_not)


def logistic(x: float, centre: float, width: float) -> float:
    return probability((x - centre) / max(width, 1e-9))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges where ``mask`` is true."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def contiguous(times_s: np.ndarray, fps: float) -> list[tuple[int, int]]:
    """Split a track's sample times into runs without gaps (a missing face breaks the run)."""
    if len(times_s) == 0:
        return []
    gap = 1.6 / fps if fps > 0 else np.inf
    breaks = np.flatnonzero(np.diff(times_s) > gap) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(times_s)]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
