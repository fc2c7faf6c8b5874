"""The fixed protocol every trainer follows (``training/README.md`` says it in words):

1. *choose* a design by fitting on corpus-train only and scoring the visible corpus (``unseen``);
2. *report* that train → unseen figure per category × variant (``VARIANTS``), and grouped cross-validation by
   ``source_repo`` over both corpora (``grouped_folds``);
3. *ship* the chosen design refitted on both corpora.

A trainer hands its scores to ``write_scores``, which writes ``build/protocol/<analyzer id>.json``::

    {"analyzer": id, "unseen": {variant: {key: p}}, "grouped_cv": {variant: {key: p}}, "meta": {...}}

``unseen`` p come from the model fitted on corpus-train only and Platt-calibrated on corpus-train out-of-fold
scores; ``grouped_cv`` p from folds by source over both corpora; keys are ``training.corpora.Row.key``; p is what
the analyzer would output for that copy of the file (its frames / windows and aggregation). ``evaluate`` and
``python -m training.protocol report ID`` turn a score file into the tables of a model card.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from training import metrics
from training.calibration import Platt
from training.corpora import REPO, Row, by_key, read_both, split_key

Variant = Literal["plain", "laundered", "neutral"]
VARIANTS: tuple[Variant, ...] = ("plain", "laundered", "neutral")
RECIPE: dict[str, str | None] = {"plain": None, "laundered": "platform", "neutral": "neutral"}  # damage recipe
PROTOCOL_DIR = REPO / "build" / "protocol"
N_FOLDS = 5
FOLD_SEED = 13


def variant_path(path: str | Path, variant: str, cache_dir: str | Path | None = None) -> Path:
    """The copy of ``path`` a variant scores: the file itself, or its (cached) platform / neutral laundering."""
    recipe = RECIPE[variant]
    if recipe is None:
        return Path(path)
    from veracity.media.damage import launder

    return launder(path, cache_dir, recipe=recipe)  # type: ignore[arg-type]


def grouped_folds(groups: Sequence[str], n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> list[np.ndarray]:
    """Test indices of each fold; every group (source repository) falls in exactly one fold.

    Groups are dealt largest first (ties in a seeded random order) to the fold with the fewest rows so far, so the
    folds come out about equal in size and the same for the same groups."""
    names = sorted(set(groups))
    if len(names) < n_folds:
        raise ValueError(f"{len(names)} groups can't fill {n_folds} folds")
    sizes = {g: 0 for g in names}
    for g in groups:
        sizes[g] += 1
    order = list(np.random.default_rng(seed).permutation(len(names)))
    dealt = sorted(names, key=lambda g: (-sizes[g], order[names.index(g)]))
    fold_of: dict[str, int] = {}
    filled = [0] * n_folds
    for g in dealt:
        target = int(np.argmin(filled))
        fold_of[g] = target
        filled[target] += sizes[g]
    index = np.arange(len(groups))
    return [index[np.array([fold_of[g] == k for g in groups], dtype=bool)] for k in range(n_folds)]


def row_folds(rows: Sequence[Row], n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> dict[str, int]:
    """Fold number of each row's key, folds by ``Row.group``."""
    out = {}
    for k, members in enumerate(grouped_folds([r.group for r in rows], n_folds, seed)):
        for i in members:
            out[rows[int(i)].key] = k
    return out


@dataclass(frozen=True)
class ScoreFile:
    analyzer: str
    unseen: dict[str, dict[str, float]]  # variant -> key -> p (fitted on corpus-train only)
    grouped_cv: dict[str, dict[str, float]]  # variant -> key -> p (folds by source over both corpora)
    meta: dict[str, Any] = field(default_factory=dict)


def _checked(name: str, scores: Mapping[str, Mapping[str, float]], corpus: str | None) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for variant, by_file in scores.items():
        if variant not in VARIANTS:
            raise ValueError(f"{name}: unknown variant {variant!r} (known: {', '.join(VARIANTS)})")
        checked = {}
        for key, p in sorted(by_file.items()):
            source, _ = split_key(key)
            if corpus is not None and source != corpus:
                raise ValueError(f"{name}: {key!r} is not a file of the {corpus} corpus")
            if not 0.0 <= float(p) <= 1.0:
                raise ValueError(f"{name}: p={p} for {key!r} is not a probability")
            checked[key] = round(float(p), 4)
        out[variant] = checked
    return out


def write_scores(analyzer_id: str, *, unseen: Mapping[str, Mapping[str, float]],
                 grouped_cv: Mapping[str, Mapping[str, float]], meta: Mapping[str, Any] | None = None,
                 out_dir: Path | None = None) -> Path:
    """Write ``<out_dir>/<analyzer id>.json`` (default ``build/protocol``) and return its path; keys are checked
    (``unseen`` holds visible-corpus files only) and p rounded to 4 digits."""
    data = {"analyzer": analyzer_id, "unseen": _checked("unseen", unseen, "unseen"),
            "grouped_cv": _checked("grouped_cv", grouped_cv, None), "meta": dict(meta or {})}
    path = (out_dir or PROTOCOL_DIR) / f"{analyzer_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def read_scores(source: str | Path) -> ScoreFile:
    """A score file by path, or by analyzer id (``build/protocol/<id>.json``)."""
    path = Path(source)
    if not path.suffix == ".json":
        path = PROTOCOL_DIR / f"{source}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return ScoreFile(analyzer=data["analyzer"], unseen=_checked("unseen", data.get("unseen", {}), "unseen"),
                     grouped_cv=_checked("grouped_cv", data.get("grouped_cv", {}), None), meta=data.get("meta", {}))


def evaluate(scores: ScoreFile, rows: Sequence[Row], band: metrics.Band = metrics.ANALYZER_BAND, *,
             shortcuts: bool = False, cache_dir: Path | None = None) -> dict[str, Any]:
    """The protocol's tables for one score file: per variant, per category (``metrics.summary``) for train →
    unseen and grouped CV, per generator (train → unseen), and with ``shortcuts`` the shortcut checks per category on
    the train → unseen rows (properties of the copy that was scored)."""
    known = by_key(rows)
    out: dict[str, Any] = {"analyzer": scores.analyzer, "band": {"low": band.low, "high": band.high},
                           "unseen": {}, "grouped_cv": {}, "per_generator": {}}
    for variant, by_file in scores.unseen.items():
        present = [known[k] for k in by_file if k in known]
        out["unseen"][variant] = metrics.table(present, by_file, band)
        out["per_generator"][variant] = metrics.per_generator(present, by_file, band)
        if shortcuts:
            out.setdefault("shortcuts", {})[variant] = shortcut_report(present, by_file, variant, cache_dir)
    for variant, by_file in scores.grouped_cv.items():
        present = [known[k] for k in by_file if k in known]
        out["grouped_cv"][variant] = metrics.table(present, by_file, band)
        out["grouped_cv"][variant]["by_corpus"] = {
            corpus: metrics.summary([r.y for r in present if r.corpus == corpus],
                                    [by_file[r.key] for r in present if r.corpus == corpus], band)
            for corpus in ("train", "unseen")}
    return out


def shortcut_report(rows: Sequence[Row], scores: Mapping[str, float], variant: str,
                    cache_dir: Path | None = None) -> dict[str, Any]:
    """``metrics.shortcut_checks`` per category (not pooled: formats, sizes and lengths differ between categories,
    so a pooled check would flag the category), on the properties of each scored copy."""
    properties = {}
    for row in rows:
        try:
            properties[row.key] = metrics.media_properties(variant_path(row.path, variant, cache_dir))
        except Exception:  # noqa: BLE001 - a copy that can't be made or probed has no properties
            properties[row.key] = {}
    out = {}
    for category in sorted({r.category for r in rows}):
        members = [r for r in rows if r.category == category]
        out[category] = metrics.shortcut_checks([r.y for r in members], [scores[r.key] for r in members],
                                                [properties[r.key] for r in members])
    return out


def markdown(report: Mapping[str, Any]) -> str:
    """Tables of an ``evaluate`` result, for a model card."""
    from training.cards import figures_table, shortcut_table

    lines = [f"Band: called fake at p ≥ {report['band']['high']}, inconclusive from {report['band']['low']}.", ""]
    lines += ["**Train → unseen** (fitted on corpus-train only, scored on the visible corpus):", "",
              figures_table(report["unseen"]), ""]
    lines += ["**Grouped cross-validation by source over both corpora:**", "", figures_table(report["grouped_cv"]), ""]
    for variant, checks in report.get("shortcuts", {}).items():
        lines += [f"**Shortcut checks ({variant})**:", "", shortcut_table(checks), ""]
    return "\n".join(lines)


def write_legacy_oof(path: Path, analyzer_id: str, split: str, logits: Mapping[str, Mapping[str, float]],
                     platt: Platt) -> None:
    """Out-of-fold scores in the form the fusion trainer of before this protocol reads (``build/oof/<id>.json``:
    ``{"analyzer", "split", "plain": {corpus path: p}, "bench": {corpus path: p}}``); ``logits``: variant ("plain",
    "bench") -> corpus path -> out-of-fold logit, written Platt-calibrated. Kept until ``training/fusion.py`` reads
    ``write_scores``' files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "analyzer": analyzer_id, "split": split,
        **{variant: {f: round(platt.p(s), 4) for f, s in sorted(logits[variant].items())}
           for variant in ("plain", "bench")}}, indent=1) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    from training import corpora

    parser = argparse.ArgumentParser(prog="python -m training.protocol", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="print score files' protocol tables")
    report.add_argument("scores", nargs="*", help="analyzer ids (build/protocol/<id>.json) or score files' paths")
    report.add_argument("--all", action="store_true", help="every score file in build/protocol/")
    report.add_argument("--shortcuts", action="store_true", help="also the shortcut checks (probes every copy)")
    report.add_argument("--band", type=float, nargs=2, metavar=("LOW", "HIGH"), default=(0.5, 0.5))
    report.add_argument("--json", type=Path, help="write the tables here too (one entry per analyzer)")
    corpora.add_arguments(report)
    args = parser.parse_args(argv)
    sources = list(args.scores) + (sorted(str(p) for p in PROTOCOL_DIR.glob("*.json")) if args.all else [])
    if not sources:
        sys.stdout.write(f"no score files (none named, none in {PROTOCOL_DIR})\n")
        return 0
    train, unseen = corpora.from_arguments(args)
    rows = read_both(train, unseen)
    results = {}
    for source in sources:
        result = evaluate(read_scores(source), rows, metrics.Band(*args.band), shortcuts=args.shortcuts)
        results[result["analyzer"]] = result
        sys.stdout.write(f"## {result['analyzer']}\n\n{markdown(result)}\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
