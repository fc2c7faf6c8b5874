"""Out-of-fold files are written calibrated, sorted, in the form the fusion trainer reads."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training"))

from _oof import write_calibrated  # noqa: E402
from train_fusion import load_rows  # noqa: E402


def test_calibrated_scores_are_read_back_by_the_fusion_trainer(tmp_path: Path) -> None:
    oof = tmp_path / "oof" / "learned.x.json"
    write_calibrated(oof, "learned.x", "leave-one-source_repo-out",
                     {"plain": {"b.mp4": 2.0, "a.mp4": -1.0}, "bench": {"a.mp4": 0.0}}, scale=0.5, offset=0.25)
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
