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
    rows, models, left_out = load_rows({"plain": bench, "neutral": bench, "laundered": bench}, protocol)
    assert models == ["learned.x"]
    by_variant = {r.variant: r.p_by_analyzer for r in rows}
    assert by_variant["plain"] == {"face.blink": 0.7, "learned.x": 0.3}
    assert by_variant["neutral"]["learned.x"] == 0.6
    # learned.x judged the laundered copy, its trainer scored this category but not that copy: left out of the fit
    assert "laundered" not in by_variant and left_out == {"plain": 0, "neutral": 0, "laundered": 1}


def test_a_learned_analyzer_its_trainer_never_scored_in_a_category_counts_as_not_judging(tmp_path: Path) -> None:
    protocol = tmp_path / "protocol"
    write_scores("learned.x", unseen={"plain": {"unseen:image/b.png": 0.3}}, grouped_cv={}, out_dir=protocol)
    item = {"path": "video/a.mp4", "label": "real", "error": None, "verdict_method": "calibrated_logistic_v1",
            "analyzers": {"face.blink": 0.7, "learned.x": 0.99}, "media_kind": "video",
            "category": "video", "generator": "", "source_repo": "r"}
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"items": [item]}))
    (row,), _, left_out = load_rows({"plain": bench}, protocol)
    assert row.p_by_analyzer == {"face.blink": 0.7} and "learned.x" in row.judged_by and left_out == {"plain": 0}


def test_a_rescored_analyzer_replaces_its_scores_and_its_abstentions_remove_them(tmp_path: Path) -> None:
    items = [{"path": p, "label": "real", "error": None, "verdict_method": "calibrated_logistic_v1",
              "analyzers": {"face.blink": 0.7, "face.pulse": 0.6, "face.blending": 0.4}, "media_kind": "video",
              "category": "face_video", "generator": "", "source_repo": "r"} for p in ("a.mp4", "b.mp4", "c.mp4")]
    bench, rescored = tmp_path / "bench.json", tmp_path / "rescored.json"
    bench.write_text(json.dumps({"items": items}))
    rescored.write_text(json.dumps({
        "config": {"analyzers": ["face.blink@0.1.0", "face.pulse@0.1.0"]},
        "items": [{"path": "a.mp4", "error": None, "analyzers": {"face.pulse": 0.55}},  # blink abstained
                  {"path": "b.mp4", "error": None, "analyzers": {"face.blink": 0.2, "face.pulse": 0.6}}]}))
    rows, _, _ = load_rows({"plain": bench}, tmp_path / "no-protocol", {"plain": rescored})
    by_path = {r.path: r.p_by_analyzer for r in rows}
    assert by_path["a.mp4"] == {"face.pulse": 0.55, "face.blending": 0.4}
    assert by_path["b.mp4"] == {"face.blink": 0.2, "face.pulse": 0.6, "face.blending": 0.4}
    assert by_path["c.mp4"] == {"face.blink": 0.7, "face.pulse": 0.6, "face.blending": 0.4}  # not re-scored
