"""The fusion trainer reads learned analyzers only from their train -> unseen score files, never their bench score."""

from __future__ import annotations

import json
from pathlib import Path

from training.fusion import load_rows
from training.protocol import write_scores


def test_learned_scores_come_from_the_protocol_file_not_the_in_sample_bench_run(tmp_path: Path) -> None:
    protocol = tmp_path / "protocol"
    write_scores("learned.x", unseen={"plain": {"unseen:a.mp4": 0.3}, "neutral": {"unseen:a.mp4": 0.6}},
                 grouped_cv={}, out_dir=protocol)
    item = {"path": "a.mp4", "label": "fake", "error": None, "verdict_method": "calibrated_logistic_v1",
            "analyzers": {"face.blink": 0.7, "learned.x": 0.99, "learned.y": 0.98}, "media_kind": "video",
            "category": "video", "generator": "g", "source_repo": "r"}
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"items": [item]}))
    rows, models = load_rows({"plain": bench, "neutral": bench, "laundered": bench}, protocol)
    assert models == ["learned.x"]
    by_variant = {r.variant: r.p_by_analyzer for r in rows}
    assert by_variant["plain"] == {"face.blink": 0.7, "learned.x": 0.3}
    assert by_variant["neutral"]["learned.x"] == 0.6
    assert "learned.x" not in by_variant["laundered"]  # no train -> unseen score for that copy: no evidence
