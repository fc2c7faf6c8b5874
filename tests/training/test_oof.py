"""Out-of-fold files are written calibrated, sorted, in the form the fusion trainer reads."""

from __future__ import annotations

import json
import math
from pathlib import Path

from training.calibration import Platt
from training.fusion import load_rows
from training.protocol import write_legacy_oof


def test_calibrated_scores_are_read_back_by_the_fusion_trainer(tmp_path: Path) -> None:
    oof = tmp_path / "oof" / "learned.x.json"
    write_legacy_oof(oof, "learned.x", "leave-one-source_repo-out",
                     {"plain": {"b.mp4": 2.0, "a.mp4": -1.0}, "bench": {"a.mp4": 0.0}}, Platt(0.5, 0.25))
    data = json.loads(oof.read_text())
    assert list(data["plain"]) == ["a.mp4", "b.mp4"]
    assert data["plain"]["b.mp4"] == round(1 / (1 + math.exp(-(0.5 * 2.0 + 0.25))), 4)
    item = {"path": "a.mp4", "label": "fake", "error": None, "verdict_method": "calibrated_logistic_v1",
            "analyzers": {"face.blink": 0.7}, "media_kind": "video", "category": "video", "generator": "g",
            "source_repo": "r"}
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"items": [item]}))
    rows, models = load_rows({"plain": bench, "bench": bench}, oof.parent)
    assert models == ["learned.x"]
    assert rows[0].p_by_analyzer["learned.x"] == data["plain"]["a.mp4"]
    assert rows[1].p_by_analyzer["learned.x"] == data["bench"]["a.mp4"]
