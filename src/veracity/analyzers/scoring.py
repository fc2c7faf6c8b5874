"""From a logistic model's log-odds to a probability, and from a probability to a finding's strength.

**strength** (the one definition; ``Finding.strength`` points here): how far a finding, on its own, moves belief
toward its direction, from 0 (not at all: context, or a coin toss) to 1 (it settles the question).

- A finding backed by a calibrated probability ``p`` has ``strength(p, reliability) = reliability · |2p − 1|``:
  0 at p = 0.5, ``reliability`` at p = 0 or 1. ``reliability`` ≤ 1 says how far the analyzer's probability can
  be trusted on its own (a weak model says 0.6: even its surest call is not decisive).
- A hand-weighed finding (a camera EXIF block, a watermark) states its strength directly on the same scale.
- A *decisive* finding of strength ``s`` stands for ``p_synthetic = 0.5 ± 0.49 · s`` in the verdict (fusion).
- Neutral findings have strength 0.
"""

from __future__ import annotations

from typing import overload

import numpy as np

LOG_ODDS_CLIP = 30.0  # beyond this the logistic is 0 or 1 in float64 anyway; clipping avoids overflow warnings


@overload
def probability(log_odds: float) -> float: ...
@overload
def probability(log_odds: np.ndarray) -> np.ndarray: ...
def probability(log_odds: float | np.ndarray) -> float | np.ndarray:
    """The logistic function: log-odds (a logistic model's output, ``scale · x + offset``) to a probability."""
    p = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -LOG_ODDS_CLIP, LOG_ODDS_CLIP)))
    return float(p) if np.ndim(p) == 0 else np.asarray(p)


def strength(p: float, reliability: float = 1.0) -> float:
    """The strength of a finding backed by probability ``p`` (see the module's definition), rounded to 3 places."""
    return round(min(1.0, reliability * abs(2.0 * float(p) - 1.0)), 3)


def scored(log_odds: float, reliability: float = 1.0) -> tuple[float, float]:
    """Log-odds to ``(p, strength)``: the one path from a logistic model to a finding."""
    p = probability(float(log_odds))
    return p, strength(p, reliability)
