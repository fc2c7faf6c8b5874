"""Evaluate a small tabular model stored as JSON parameters, in numpy (no scikit-learn at run time).

Two kinds, both returning the log-odds that the input is synthetic:

- ``logistic``: standardise with ``mean`` / ``scale``, then ``coef · x + intercept``;
- ``gbt``: gradient-boosted regression trees on raw features (scikit-learn's binary log-loss boosting):
  ``init + learning_rate × Σ tree(x)``; each tree is parallel arrays ``feature``, ``threshold``, ``left``,
  ``right``, ``value`` (a leaf has ``left == -1``; ``x[feature] <= threshold`` goes left).

An optional ``calibration`` (``scale``, ``offset``; Platt scaling fitted on out-of-fold scores) maps the raw
log-odds to calibrated ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TabularModel:
    kind: str
    feature_names: tuple[str, ...]
    params: dict[str, Any]

    @classmethod
    def from_json(cls, path: Path) -> TabularModel:
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec.get("kind") not in ("logistic", "gbt"):
            raise ValueError(f"{path}: unknown model kind {spec.get('kind')!r}")
        return cls(kind=spec["kind"], feature_names=tuple(spec["feature_names"]), params=spec)

    def log_odds_named(self, features: np.ndarray, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """Like ``log_odds`` for vectors holding more features than the model reads, named by ``names``."""
        index = {name: i for i, name in enumerate(names)}
        missing = [n for n in self.feature_names if n not in index]
        if missing:
            raise ValueError(f"the model needs features this code does not compute: {missing[:3]}")
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        return self.log_odds(x[:, [index[n] for n in self.feature_names]])

    def log_odds(self, features: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        if x.shape[1] != len(self.feature_names):
            raise ValueError(f"expected {len(self.feature_names)} features, got {x.shape[1]}")
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        if self.kind == "logistic":
            z = (x - np.asarray(self.params["mean"])) / np.asarray(self.params["scale"])
            raw = z @ np.asarray(self.params["coef"]) + float(self.params["intercept"])
        else:
            raw = np.full(x.shape[0], float(self.params["init"]))
            rate = float(self.params["learning_rate"])
            for tree in self.params["trees"]:
                raw += rate * _tree_values(tree, x)
        calibration = self.params.get("calibration") or {"scale": 1.0, "offset": 0.0}
        return float(calibration["scale"]) * raw + float(calibration["offset"])


def _tree_values(tree: dict[str, list[Any]], x: np.ndarray) -> np.ndarray:
    feature = np.asarray(tree["feature"])
    threshold = np.asarray(tree["threshold"])
    left = np.asarray(tree["left"])
    right = np.asarray(tree["right"])
    value = np.asarray(tree["value"])
    node = np.zeros(x.shape[0], dtype=np.int64)
    rows = np.arange(x.shape[0])
    while True:
        inner = left[node] != -1
        if not inner.any():
            return value[node]
        go_left = x[rows, np.maximum(feature[node], 0)] <= threshold[node]
        node = np.where(inner, np.where(go_left, left[node], right[node]), node)
