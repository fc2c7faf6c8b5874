"""The fusion trainer's pieces on data whose answer is known."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from training.fusion import (
    Row,
    choose_band,
    fit_nonnegative_logistic,
    out_of_fold,
)
from training.metrics import auc


def _rows(rng: np.random.Generator, n: int) -> list[Row]:
    rows = []
    for i in range(n):
        label = i % 2
        informative = float(np.clip(rng.normal(0.7 if label else 0.3, 0.12), 0.01, 0.99))
        backwards = float(np.clip(rng.normal(0.35 if label else 0.65, 0.12), 0.01, 0.99))
        noise = float(rng.uniform(0.01, 0.99))
        rows.append(Row(path=f"f{i}", variant="plain", kind="image", category="image", generator="g" if label else "",
                        group=f"source{i % 6}", label=label,
                        p_by_analyzer={"good": informative, "backwards": backwards, "noise": noise}))
    return rows


def test_weights_stay_non_negative_and_follow_the_informative_analyzer() -> None:
    rows = _rows(np.random.default_rng(1), 200)
    names = ["good", "backwards", "noise"]
    from training.fusion import balanced_weights, design

    x, y = design(rows, names), np.array([r.label for r in rows])
    w = fit_nonnegative_logistic(x, y, balanced_weights(y), c=1.0, prior=np.zeros(3))
    assert w[0] > 0.5
    assert w[1] == pytest.approx(0.0, abs=1e-6)  # evidence for authenticity is never read from a high p_synthetic
    assert w[2] < w[0] / 4


def test_few_files_keep_the_weights_near_the_declared_ones() -> None:
    rows = _rows(np.random.default_rng(4), 12)
    from training.fusion import balanced_weights, design

    x, y = design(rows, ["noise"]), np.array([r.label for r in rows])
    shrunk = fit_nonnegative_logistic(x, y, balanced_weights(y), c=0.003, prior=np.array([0.7]))
    assert shrunk[0] == pytest.approx(0.7, abs=0.05)


def test_grouped_out_of_fold_scores_rank_the_held_out_files() -> None:
    rows = _rows(np.random.default_rng(2), 120)
    z = out_of_fold(rows, ["good", "noise"], c=1.0)
    assert (auc([r.label for r in rows], z.tolist()) or 0) > 0.9


def test_the_rule_gives_a_constant_or_backwards_analyzer_no_weight_and_keeps_the_informative_one() -> None:
    from training.fusion import select

    rng = np.random.default_rng(6)
    rows = _rows(rng, 120)
    for r in rows:
        r.p_by_analyzer["constant"] = 0.4975  # what a model whose train -> unseen Platt slope is 0 outputs
    kept, steps = select(rows, ["backwards", "constant", "good"], c=0.01)
    assert kept == ["good"]
    assert {s["removed"] for s in steps} == {"backwards", "constant"}
    assert all(s["loss_without"] <= s["loss_with"] + 0.001 for s in steps)


def test_a_learned_analyzer_without_evidence_in_a_kind_is_written_with_weight_zero() -> None:
    from training.fusion import train_kind

    rows = _rows(np.random.default_rng(8), 120)
    for r in rows:
        r.judged_by = frozenset({*r.p_by_analyzer, "learned.unscored"})  # judged at run time, never scored
    model = train_kind(rows)
    assert model is not None
    assert "good" in model.names and "learned.unscored" in model.zero and "backwards" in model.zero


def test_band_widens_when_the_scores_separate_less() -> None:
    rng = np.random.default_rng(3)
    y = np.array([0, 1] * 200)
    sharp = np.clip(np.where(y == 1, 0.85, 0.15) + rng.normal(0, 0.05, len(y)), 0, 1)
    blurry = np.clip(np.where(y == 1, 0.6, 0.4) + rng.normal(0, 0.15, len(y)), 0, 1)
    one_category = np.array(["image"] * len(y))
    sharp_low, sharp_high = choose_band(sharp, y, one_category)
    blurry_low, blurry_high = choose_band(blurry, y, one_category)
    assert sharp_low <= 0.5 <= sharp_high and blurry_high - blurry_low > sharp_high - sharp_low


def test_band_keeps_every_category_under_the_false_positive_limit() -> None:
    # Pooled over both categories the reals are fine at a low edge, but the "video" reals score high: the upper edge
    # must rise until they too stay at or under 5 % false positives.
    rng = np.random.default_rng(7)
    y = np.array([0, 1] * 300)
    categories = np.array(["image"] * 500 + ["video"] * 100)
    p = np.clip(np.where(y == 1, 0.8, 0.2) + rng.normal(0, 0.08, len(y)), 0, 1)
    p[(categories == "video") & (y == 0)] += 0.3
    pooled_high = choose_band(p, y, np.array(["all"] * len(y)))[1]
    per_category_high = choose_band(p, y, categories)[1]
    assert per_category_high > pooled_high
    video_reals = (categories == "video") & (y == 0)
    assert (p[video_reals] >= per_category_high).mean() <= 0.05


def _bench_run(path: Path, rng: np.random.Generator, variant_shift: float) -> None:
    items = []
    for i in range(60):
        label = "fake" if i % 2 else "real"
        kind = "audio" if i % 3 == 0 else "image"
        signal = float(np.clip(rng.normal(0.72 if label == "fake" else 0.3, 0.1) + variant_shift, 0.01, 0.99))
        analyzers = {"audio.speech": 0.5} if kind == "audio" else {"image.ela": signal, "learned.ai_image": 0.9}
        items.append({"path": f"{kind}/{i}.bin", "category": kind, "label": label, "generator": "g" * (i % 2),
                      "source_repo": f"repo{i % 5}", "media_kind": kind, "error": None,
                      "verdict_method": "calibrated_logistic_v1", "analyzers": analyzers})
    path.write_text(json.dumps({"items": items}))


def test_training_end_to_end_writes_a_model_the_fusion_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.protocol import write_scores

    from training import fusion as train_fusion
    from veracity.fusion.v1 import trained_models

    rng = np.random.default_rng(5)
    runs = tmp_path / "bench"
    runs.mkdir()
    for variant, shift in (("plain", 0.0), ("laundered", -0.05), ("neutral", -0.1)):
        _bench_run(runs / f"bench-{variant}.json", rng, shift)
    protocol = tmp_path / "protocol"
    # train -> unseen scores replace the in-sample 0.9 of the learned model: a constant, so it earns no weight
    write_scores("learned.ai_image", unseen={variant: {f"unseen:image/{i}.bin": 0.4975 for i in range(60)}
                                             for variant in ("plain", "laundered", "neutral")},
                 grouped_cv={}, out_dir=protocol)
    out = tmp_path / "fusion.json"
    monkeypatch.setattr(sys, "argv", ["train_fusion", "--bench-dir", str(runs), "--protocol", str(protocol),
                                      "--out", str(out), "--metrics", str(tmp_path / "metrics.json")])
    train_fusion.main()
    models = trained_models(out)
    assert set(models) == {"image", "audio"}
    assert models["image"].weights["image.ela"] > 0 and "audio.speech" not in models["image"].weights
    assert models["image"].weights["learned.ai_image"] == 0.0  # in the file, so the run-time fusion uses 0
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["protocol_models"] == ["learned.ai_image"]
    assert report["fused"]["plain"]["per_category"]["image"]["auc"] > 0.8
    assert set(report["fused"]) == {"plain", "laundered", "neutral"}
    assert out.with_suffix(".md").read_text().startswith("# fusion_v1")


def test_out_of_fold_never_fits_on_the_held_out_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    from training import fusion as train_fusion

    rows = _rows(np.random.default_rng(9), 60)
    seen: list[set[str]] = []
    fit = train_fusion.fit_nonnegative_logistic
    group_of = {tuple(x): r.group for x, r in zip(train_fusion.design(rows, ["good", "noise"]), rows, strict=True)}

    def recording(x: np.ndarray, *args: object, **kwargs: object) -> np.ndarray:
        seen.append({group_of[tuple(x_row)] for x_row in x})
        return fit(x, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(train_fusion, "fit_nonnegative_logistic", recording)
    train_fusion.out_of_fold(rows, ["good", "noise"], c=1.0)
    groups = sorted({r.group for r in rows})
    assert len(seen) == len(groups)
    assert sorted(next(iter(set(groups) - s)) for s in seen) == groups  # each fit misses exactly one repository


def test_corpus_train_rows_refit_the_chosen_kinds_and_keep_the_others(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from training import fusion as train_fusion

    rng = np.random.default_rng(11)
    runs, train_runs = tmp_path / "bench", tmp_path / "train-bench"
    runs.mkdir()
    train_runs.mkdir()
    for variant, shift in (("plain", 0.0), ("laundered", -0.05), ("neutral", -0.1)):
        _bench_run(runs / f"bench-{variant}.json", rng, shift)
        _bench_run(train_runs / f"bench-{variant}.json", rng, shift)
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps({"model": "fusion_v1", "p_clip": 0.02, "kinds": {
        "audio": {"intercept": 0.1, "weights": {"audio.speech": 0.0}, "band": [0.05, 0.95]},
        "image": {"intercept": 0.2, "weights": {"image.ela": 0.3}, "band": [0.2, 0.9]}}}))
    out, metrics = tmp_path / "fusion.json", tmp_path / "metrics.json"
    monkeypatch.setattr(sys, "argv", [
        "train_fusion", "--bench-dir", str(runs), "--train-bench-dir", str(train_runs), "--protocol",
        str(tmp_path / "none"), "--kinds", "image", "--keep-from", str(previous), "--compare", str(previous),
        "--out", str(out), "--metrics", str(metrics)])
    train_fusion.main()
    spec, report = json.loads(out.read_text()), json.loads(metrics.read_text())
    assert spec["kinds"]["audio"] == json.loads(previous.read_text())["kinds"]["audio"]  # kept verbatim
    assert spec["kinds"]["image"]["weights"]["image.ela"] > 0.3  # refitted on both corpora's image rows
    assert report["kinds"]["image"]["files_by_corpus"] == {"train": 120, "unseen": 120}
    assert set(report["by_corpus"]) == {"visible", "train", "both"}
    both = report["by_corpus"]["both"]["fused"]["plain"]["all"]
    assert both["n"] == 80 and report["by_corpus"]["train"]["fused"]["plain"]["all"]["n"] == 40
    assert report["before"]["both"]["fused"]["plain"]["all"]["n"] == 80
