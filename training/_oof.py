"""Out-of-fold scores in the form ``train_fusion.py`` reads (``build/oof/<analyzer id>.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def write_calibrated(path: Path, analyzer_id: str, split: str, logits: dict[str, dict[str, float]],
                     scale: float, offset: float) -> None:
    """``logits``: variant ("plain", "bench") -> corpus path -> out-of-fold logit; written as Platt-calibrated p."""

    def calibrated(logit: float) -> float:
        return round(float(1.0 / (1.0 + np.exp(-(scale * logit + offset)))), 4)

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "analyzer": analyzer_id, "split": split,
        "plain": {f: calibrated(s) for f, s in sorted(logits["plain"].items())},
        "bench": {f: calibrated(s) for f, s in sorted(logits["bench"].items())}}, indent=1) + "\n")
