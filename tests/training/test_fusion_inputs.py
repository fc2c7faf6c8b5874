"""The fusion trainer reads learned analyzers only from their protocol score files (train -> unseen, or grouped CV
when corpus-train's files are added), never their bench score."""

from __future__ import annotations

import json
from pathlib import Path

from training.fusion import load_rows
from training.protocol import write_scores


def test_learned_scores_come_from_the_protocol_file_not_the_in_sample_bench_run(tmp_path: Path) -> None:
    protocol = tmp_path / "protocol"
    write_scores("learned.x", unseen={"plain": {"unseen:a.mp4": 0.3}, "neutral": {"unseen:a.mp4": 0.6},
                                      "laundered": {"unseen:b.mp4": 0.5}},
                 grouped_cv={}, out_dir=protocol)
    item = {"path": "a.mp4", "label": "fake", "error": None, "verdict_method": "calibrated_logistic_v1",
            "analyzers": {"face.blink": 0.7, "learned.x": 0.99, "learned.y": 0.98}, "media_kind": "video",
            "category": "video", "generator": "g", "source_repo": "r"}
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"items": [item, {**item, "path": "b.mp4"}]}))
    rows, models, left_out = load_rows({"plain": bench, "neutral": bench, "laundered": bench}, protocol)
    rows = [r for r in rows if r.path == "a.mp4"]
    assert models == ["learned.x"]
    by_variant = {r.variant: r.p_by_analyzer for r in rows}
    assert by_variant["plain"] == {"face.blink": 0.7, "learned.x": 0.3}
    assert by_variant["neutral"]["learned.x"] == 0.6
    # learned.x judged the laundered copy, its trainer scored this cell (variant, category) but not that copy: left
    # out of the fit
    # (b.mp4, judged in every variant, scored only laundered: left out of plain and neutral)
    assert "laundered" not in by_variant and left_out == {"plain": 1, "neutral": 1, "laundered": 1}


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


def _item(path: str, label: str, repo: str, analyzers: dict[str, float], category: str = "video") -> dict[str, object]:
    return {"path": path, "label": label, "error": None, "verdict_method": "calibrated_logistic_v1",
            "analyzers": analyzers, "media_kind": "video", "category": category,
            "generator": "g" if label == "fake" else "", "source_repo": repo}


def test_with_corpus_train_every_row_takes_grouped_cv_learned_scores_and_never_a_bench_score(tmp_path: Path) -> None:
    protocol = tmp_path / "protocol"
    write_scores("learned.x", unseen={"plain": {"unseen:v/a.mp4": 0.3}},
                 grouped_cv={"plain": {"unseen:v/a.mp4": 0.35, "train:v/t.mp4": 0.8},
                             "neutral": {"unseen:v/a.mp4": 0.4}}, out_dir=protocol)
    visible, train = tmp_path / "visible.json", tmp_path / "train.json"
    visible.write_text(json.dumps({"items": [_item("v/a.mp4", "real", "r", {"face.blink": 0.7, "learned.x": 0.99})]}))
    train.write_text(json.dumps({"items": [_item("v/t.mp4", "fake", "s", {"face.blink": 0.6, "learned.x": 0.01})]}))
    rows, _, left_out = load_rows({"plain": visible, "neutral": visible}, protocol,
                                  train_runs={"plain": train, "neutral": train})
    by = {(r.corpus, r.variant): r for r in rows}
    assert by[("unseen", "plain")].p_by_analyzer == {"face.blink": 0.7, "learned.x": 0.35}  # grouped CV, not 0.3
    assert by[("unseen", "neutral")].p_by_analyzer["learned.x"] == 0.4
    assert by[("train", "plain")].p_by_analyzer == {"face.blink": 0.6, "learned.x": 0.8}  # never the bench's 0.01
    # no grouped-CV score of corpus-train's neutral copies at all: learned.x counts as not judging them
    assert by[("train", "neutral")].p_by_analyzer == {"face.blink": 0.6}
    assert left_out == {"plain": 0, "neutral": 0, "train plain": 0, "train neutral": 0}
    # without corpus-train the visible rows keep their train -> unseen scores
    (row,), _, _ = load_rows({"plain": visible}, protocol)
    assert row.p_by_analyzer["learned.x"] == 0.3


def test_a_learned_model_calibrated_to_a_constant_gets_no_score_even_where_its_grouped_cv_varies(
        tmp_path: Path) -> None:
    protocol = tmp_path / "protocol"
    write_scores("learned.x", unseen={"plain": {"unseen:v/a.mp4": 0.4975, "unseen:v/b.mp4": 0.4975}},
                 grouped_cv={"plain": {"unseen:v/a.mp4": 0.2, "train:v/t.mp4": 0.9}}, out_dir=protocol)
    visible, train = tmp_path / "visible.json", tmp_path / "train.json"
    visible.write_text(json.dumps({"items": [_item("v/a.mp4", "real", "r", {"face.blink": 0.7, "learned.x": 0.5})]}))
    train.write_text(json.dumps({"items": [_item("v/t.mp4", "fake", "s", {"face.blink": 0.6, "learned.x": 0.5})]}))
    rows, _, _ = load_rows({"plain": visible}, protocol, train_runs={"plain": train})
    assert all("learned.x" not in r.p_by_analyzer and "learned.x" in r.judged_by for r in rows)


def test_a_repository_is_one_source_whatever_its_labels_and_corpus(tmp_path: Path) -> None:
    visible, train = tmp_path / "visible.json", tmp_path / "train.json"
    visible.write_text(json.dumps({"items": [_item("v/real.mp4", "real", "owner/repo", {"face.blink": 0.3}),
                                             _item("v/fake.mp4", "fake", "owner/repo", {"face.blink": 0.8})]}))
    train.write_text(json.dumps({"items": [_item("t/real.mp4", "real", "other/repo", {"face.blink": 0.2}),
                                           _item("t/fake.mp4", "fake", "other/repo", {"face.blink": 0.9})]}))
    rows, _, _ = load_rows({"plain": visible}, tmp_path / "no-protocol", train_runs={"plain": train})
    assert {(r.corpus, r.path): r.group for r in rows} == {
        ("unseen", "v/real.mp4"): "owner/repo", ("unseen", "v/fake.mp4"): "owner/repo",
        ("train", "t/real.mp4"): "other/repo", ("train", "t/fake.mp4"): "other/repo"}
