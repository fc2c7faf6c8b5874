"""Benchmark metrics as plain numpy functions: ranking (ROC AUC, TPR at a fixed FPR), decisions at the default
threshold (balanced accuracy, false positives on real media), speed and memory.

Conventions: label 1 = fake (AI-made or manipulated, the positive class), 0 = real. A metric that can't be
computed (one class missing, no media seconds) is ``None``, never NaN, so it survives JSON.
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Sequence

import numpy as np


def _split(labels: Sequence[int], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    return s[y == 1], s[y == 0]


def midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks where tied values share the mean of the ranks they span."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Start index of each run of equal values, and the run it belongs to.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    run_rank = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    run_of = np.repeat(np.arange(starts.size), ends - starts)
    ranks = np.empty(values.size, dtype=float)
    ranks[order] = run_rank[run_of]
    return ranks


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Probability that a random fake scores above a random real (ties count half): Mann-Whitney U / (n1·n0)."""
    positives, negatives = _split(labels, scores)
    if positives.size == 0 or negatives.size == 0:
        return None
    ranks = midranks(np.concatenate([positives, negatives]))
    u = ranks[: positives.size].sum() - positives.size * (positives.size + 1) / 2.0
    return float(u / (positives.size * negatives.size))


def tpr_at_fpr(labels: Sequence[int], scores: Sequence[float], max_fpr: float = 0.05) -> float | None:
    """Share of fakes caught by the best threshold (``score >= t``) that flags at most ``max_fpr`` of the reals.

    Thresholds are the observed scores, so tied scores move together; with no admissible threshold it is 0.
    """
    positives, negatives = _split(labels, scores)
    if positives.size == 0 or negatives.size == 0:
        return None
    best = 0.0
    for threshold in np.unique(np.concatenate([positives, negatives])):
        fpr = float(np.mean(negatives >= threshold))
        if fpr <= max_fpr + 1e-12:
            best = max(best, float(np.mean(positives >= threshold)))
    return best


def decision_metrics(
    labels: Sequence[int], flagged: Sequence[bool], inconclusive: Sequence[bool]
) -> dict[str, float | None]:
    """Metrics of the verdict at the default threshold.

    ``flagged`` means the verdict was ai_generated (the positive call); an inconclusive verdict is not a positive
    call, so it counts as a miss on fakes and as a correct pass on reals, and its share is reported beside.
    """
    y = np.asarray(labels, dtype=int)
    hit = np.asarray(flagged, dtype=bool)
    unsure = np.asarray(inconclusive, dtype=bool)
    fakes, reals = y == 1, y == 0
    tpr = float(hit[fakes].mean()) if fakes.any() else None
    fpr = float(hit[reals].mean()) if reals.any() else None
    balanced = (tpr + (1.0 - fpr)) / 2.0 if tpr is not None and fpr is not None else None
    return {
        "tpr": tpr,
        "fpr_real": fpr,
        "balanced_accuracy": balanced,
        "inconclusive_share": float(unsure.mean()) if y.size else None,
    }


def median_seconds(seconds: Sequence[float]) -> float | None:
    return float(np.median(np.asarray(seconds, dtype=float))) if len(seconds) else None


def real_time_factor(processing_s: Sequence[float], media_s: Sequence[float | None]) -> float | None:
    """Total processing seconds over total media seconds, for the files that have a duration (video, audio).

    Below 1 is faster than real time.
    """
    pairs = [(p, m) for p, m in zip(processing_s, media_s, strict=True) if m is not None and m > 0]
    if not pairs:
        return None
    return float(sum(p for p, _ in pairs) / sum(m for _, m in pairs))


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its waited-for children) in MiB."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)  # bytes on macOS, KiB on Linux


def reset_peak_rss() -> bool:
    """Restart the peak-RSS count of this process (Linux ``clear_refs``); False where the OS can't."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True
