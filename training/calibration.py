"""One Platt scaling for every trainer: ``p = sigmoid(scale * score + offset)``, fitted on out-of-fold scores.

Platt, Probabilistic Outputs for Support Vector Machines, 1999. Classes are weighed equally by default, so the
calibrated p does not carry the training set's real/fake ratio (the fusion adds its own prior).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Platt:
    scale: float
    offset: float

    def logit(self, scores: Sequence[float] | np.ndarray | float) -> np.ndarray:
        return self.scale * np.asarray(scores, dtype=float) + self.offset

    def apply(self, scores: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Calibrated p for raw scores (logits, decision values, ...)."""
        return 1.0 / (1.0 + np.exp(-self.logit(scores)))

    def p(self, score: float) -> float:
        return float(self.apply(score))

    def to_json(self) -> dict[str, Any]:
        return {"method": "platt", **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> Platt:
        values = json.loads(data) if isinstance(data, str) else data
        return cls(scale=float(values["scale"]), offset=float(values["offset"]))


IDENTITY = Platt(1.0, 0.0)


def fit_platt(scores: Sequence[float] | np.ndarray, labels: Sequence[int] | np.ndarray, *, balanced: bool = True,
              l2: float = 1e-4, iterations: int = 100, non_negative: bool = False) -> Platt:
    """Maximum-likelihood scale and offset (Newton's method; a tiny L2 penalty on the scale keeps perfectly
    separated scores finite). ``balanced``: each class carries half the weight. ``non_negative``: a scale that
    comes out negative (held-out scores running against the labels) is held at 0 — no evidence, never a flipped
    reading — and only the offset is fitted (the classes' weighted log odds)."""
    x = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("one score per label")
    n_fake, n_real = float(y.sum()), float((1 - y).sum())
    if n_fake == 0 or n_real == 0:
        raise ValueError("Platt scaling needs both classes")
    if balanced:
        weights = np.where(y == 1, 0.5 / n_fake, 0.5 / n_real)
    else:
        weights = np.full(x.size, 1.0 / x.size)
    design = np.column_stack([x, np.ones_like(x)])
    theta = np.zeros(2)
    penalty = np.diag([l2, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        gradient = design.T @ (weights * (p - y)) + penalty @ theta
        hessian = design.T @ (design * (weights * p * (1 - p))[:, None]) + penalty + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    scale, offset = (float(v) for v in theta)
    if not (math.isfinite(scale) and math.isfinite(offset)):
        raise ValueError("Platt scaling did not converge")
    if non_negative and scale < 0:
        fake_share = float(weights[y == 1].sum() / weights.sum())
        return Platt(0.0, math.log(fake_share / (1 - fake_share)))
    return Platt(scale, offset)


def logit(p: Sequence[float] | np.ndarray | float, eps: float = 1e-6) -> np.ndarray:
    """log(p / (1 - p)), with p clipped to [eps, 1 - eps]."""
    q = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return np.log(q / (1 - q))
