"""The training package's shared modules on cases whose answers can be worked out by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from training.calibration import Platt, fit_platt, logit
from training.cards import figures_table, write_card

from training import corpora, metrics, protocol


def test_auc_counts_ordered_pairs_and_half_ties() -> None:
    # fakes 0.9, 0.4; reals 0.5, 0.1, 0.4: pairs won 3 + 1 + half a tie = 4.5 of 6
    assert metrics.auc([1, 1, 0, 0, 0], [0.9, 0.4, 0.5, 0.1, 0.4]) == pytest.approx(4.5 / 6)
    assert metrics.auc([1, 1], [0.2, 0.3]) is None


def test_decisions_at_a_band() -> None:
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    p = [0.1, 0.3, 0.5, 0.8, 0.2, 0.6, 0.75, 0.9]
    wide = metrics.summary(labels, p, metrics.Band(0.4, 0.7))
    assert wide["fpr_real"] == 0.25 and wide["tpr"] == 0.5  # 0.8 of the reals; 0.75 and 0.9 of the fakes
    assert wide["inconclusive"] == 0.25  # 0.5 and 0.6
    alone = metrics.summary(labels, p)
    assert alone["fpr_real"] == 0.5 and alone["tpr"] == 0.75 and alone["inconclusive"] == 0.0


def test_platt_recovers_a_known_slope_and_offset() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(0.0, 2.0, 40_000)
    labels = (rng.random(scores.size) < 1 / (1 + np.exp(-(1.5 * scores - 0.5)))).astype(int)
    fit = fit_platt(scores, labels, balanced=False)
    assert fit.scale == pytest.approx(1.5, abs=0.05) and fit.offset == pytest.approx(-0.5, abs=0.05)
    assert Platt.from_json(json.dumps(fit.to_json())) == fit
    assert fit.p(0.0) == pytest.approx(1 / (1 + np.exp(0.5)), abs=0.02)
    assert logit(fit.apply(2.0)) == pytest.approx(fit.scale * 2.0 + fit.offset)


def test_balanced_platt_ignores_the_class_ratio() -> None:
    rng = np.random.default_rng(1)
    fakes, reals = rng.normal(1.0, 1.0, 300), rng.normal(-1.0, 1.0, 3000)
    scores = np.concatenate([fakes, reals])
    labels = np.r_[np.ones(fakes.size), np.zeros(reals.size)].astype(int)
    assert abs(fit_platt(scores, labels).p(0.0) - 0.5) < 0.05  # the midpoint between the classes
    assert fit_platt(scores, labels, balanced=False).p(0.0) < 0.2  # the 1:10 prior pulls it down
    with pytest.raises(ValueError, match="both classes"):
        fit_platt([0.1, 0.2], [1, 1])


def test_non_negative_platt_reads_backwards_scores_as_no_evidence() -> None:
    rng = np.random.default_rng(3)
    fakes, reals = rng.normal(-1.0, 1.0, 300), rng.normal(1.0, 1.0, 900)  # a higher score means *real* here
    scores = np.concatenate([fakes, reals])
    labels = np.r_[np.ones(fakes.size), np.zeros(reals.size)].astype(int)
    assert fit_platt(scores, labels).scale < -1  # left free, the fit flips the reading
    held = fit_platt(scores, labels, non_negative=True)
    assert held.scale == 0.0 and held.p(3.0) == pytest.approx(0.5)  # balanced: even odds whatever the score
    assert fit_platt(scores, labels, balanced=False, non_negative=True).p(0.0) == pytest.approx(0.25)
    assert fit_platt(-scores, labels, non_negative=True).scale > 1  # a forward reading is left alone


def test_grouped_folds_never_split_a_source() -> None:
    rng = np.random.default_rng(2)
    groups = [f"repo{int(g)}" for g in rng.integers(0, 23, 400)]
    folds = protocol.grouped_folds(groups, n_folds=5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(groups)))
    seen: dict[str, int] = {}
    for k, members in enumerate(folds):
        for i in members:
            assert seen.setdefault(groups[int(i)], k) == k
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) < max(groups.count(g) for g in set(groups)) + 1
    assert [f.tolist() for f in protocol.grouped_folds(groups, n_folds=5)] == [f.tolist() for f in folds]
    with pytest.raises(ValueError):
        protocol.grouped_folds(["a", "b"], n_folds=3)


def _properties(sizes: np.ndarray, formats: list[str]) -> list[dict[str, object]]:
    return [{"format": f, "bytes": int(b), "pixels": 10_000, "squareness": 1.0, "fps": None, "duration_s": None}
            for b, f in zip(sizes, formats, strict=True)]


def test_shortcut_checks_flag_a_score_that_follows_file_size() -> None:
    rng = np.random.default_rng(3)
    labels = np.r_[np.zeros(60), np.ones(60)].astype(int)
    sizes = rng.lognormal(12 + labels, 0.5)  # fakes are bigger files: the data offer a shortcut
    formats = ["gif" if (y and rng.random() < 0.8) else "mp4" for y in labels]
    props = _properties(sizes, formats)
    planted = metrics.shortcut_checks(labels, np.log(sizes) / 20, props)  # the score *is* the size
    assert planted["bytes"]["flagged"] and planted["bytes"]["spearman_real"] == pytest.approx(1.0)
    assert planted["bytes"]["auc_alone"] > 0.8 and planted["format"]["auc_alone"] > 0.7
    honest = metrics.shortcut_checks(labels, np.clip(0.3 + 0.4 * labels + rng.normal(0, 0.1, labels.size), 0, 1),
                                     props)  # label plus noise that ignores the size
    assert not honest["bytes"]["flagged"] and not honest["format"]["flagged"]
    assert "squareness" not in honest or not honest["squareness"]["flagged"]  # constant: nothing to follow
    by_format = metrics.shortcut_checks(labels, [0.9 if f == "gif" else 0.1 for f in formats], props)
    assert by_format["format"]["flagged"]


def _corpus(folder: Path, split: str, repos: list[str]) -> Path:
    folder.mkdir(parents=True)
    with (folder / "MANIFEST.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["split", "category", "label", "kind", "generator", "path", "source_repo"])
        for i, repo in enumerate(repos):
            label = "fake" if i % 2 else "real"
            path = f"image/{label}/{i}.jpg"
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(b"x")
            writer.writerow([split, "image", label, "image", "gen" if i % 2 else "", path, repo])
    return folder


def test_score_file_round_trip_and_tables(tmp_path: Path) -> None:
    train = _corpus(tmp_path / "train", "train", [f"t{i % 6}" for i in range(12)])
    unseen = _corpus(tmp_path / "unseen", "visible", [f"u{i % 3}" for i in range(6)])
    rows = corpora.read_both(train, unseen)
    assert rows[0].key == "train:image/real/0.jpg" and rows[-1].key == "unseen:image/fake/5.jpg"
    assert rows[0].path == (train / "image/real/0.jpg").resolve() and rows[0].group == "t0"
    unseen_p = {"neutral": {r.key: 0.2 + 0.6 * r.y for r in rows if r.corpus == "unseen"}}
    cv_p = {"plain": {r.key: 0.7 if r.y else 0.4 for r in rows}}
    path = protocol.write_scores("learned.x", unseen=unseen_p, grouped_cv=cv_p, out_dir=tmp_path / "out")
    back = protocol.read_scores(path)
    assert back.analyzer == "learned.x" and back.unseen == unseen_p and back.grouped_cv == cv_p
    report = protocol.evaluate(back, rows)
    assert report["unseen"]["neutral"]["image"]["auc"] == 1.0 and report["unseen"]["neutral"]["all"]["n"] == 6
    assert report["grouped_cv"]["plain"]["by_corpus"]["train"]["n"] == 12
    assert report["per_generator"]["neutral"]["image/gen"]["tpr"] == 1.0
    assert "| image | neutral | 1.00 |" in figures_table(report["unseen"])
    card = write_card(tmp_path / "card.md", "X", {"Known failures": "none known", "Model": "a model"})
    assert card.read_text().index("## Model") < card.read_text().index("## Known failures")
    with pytest.raises(ValueError, match="unseen corpus"):
        protocol.write_scores("learned.x", unseen={"plain": {"train:a.jpg": 0.5}}, grouped_cv={},
                              out_dir=tmp_path)
    with pytest.raises(ValueError, match="variant"):
        protocol.write_scores("learned.x", unseen={"bench": {}}, grouped_cv={}, out_dir=tmp_path)


def test_default_corpus_prefers_a_folder_with_its_media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpora, "REPO", tmp_path / "wt" / "repo")
    manifest_only = tmp_path / "wt" / "corpus-train"
    manifest_only.mkdir(parents=True)
    _corpus(tmp_path / "restored", "train", ["a", "b"])
    (manifest_only / "MANIFEST.csv").write_text((tmp_path / "restored" / "MANIFEST.csv").read_text())
    (tmp_path / "restored").rename(tmp_path / "corpus-train")
    assert corpora.default_corpus("train") == tmp_path / "corpus-train"
    monkeypatch.setenv("VERACITY_TRAIN_CORPUS", str(manifest_only))
    assert corpora.default_corpus("train") == manifest_only
