"""Score the shipped analyzers and the fused verdict on the visible corpus the protocol's way: the "before" column.

    .venv/bin/python -m training.evaluate_baseline --run [--workers 2] [--out build/protocol/baseline]
    .venv/bin/python -m training.evaluate_baseline --bench plain=a.json laundered=b.json neutral=c.json

With ``--run``, each variant missing from ``--out`` is measured by ``veracity bench`` on the visible corpus with this
checkout's code and models (plain; ``--launder``, the platform recipe; ``--launder neutral``); ``--bench`` takes
runs made elsewhere (e.g. with the models of an older commit). Then, per variant and category, for the fused
verdict and for each learned analyzer alone: AUC, real FPR and TPR at the default threshold, share inconclusive.
The fused verdict's decisions are its labels (ai_generated = called fake, inconclusive); an analyzer alone calls a
file fake at p ≥ 0.5 and is never inconclusive; files it abstains on are left out of its row (its ``n``). Also per
generator (fused) and the shortcut checks (``training.metrics.shortcut_checks``: properties of the copy analysed).
Writes ``<out>/baseline.json`` and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from training import corpora, metrics
from training.cards import table
from training.protocol import PROTOCOL_DIR, VARIANTS, variant_path

LEARNED_PREFIXES = ("learned.",)
LEARNED_IDS = ("audio.voice_forensics", "audio.aasist")
FUSED = "fused"
BENCH_FLAGS = {"plain": [], "laundered": ["--launder", "platform"], "neutral": ["--launder", "neutral"]}


def run_bench(variant: str, corpus: Path, out: Path, workers: int) -> Path:
    """``veracity bench`` over the corpus for one variant, with this interpreter's veracity."""
    command = [sys.executable, "-m", "veracity", "bench", str(corpus), *BENCH_FLAGS[variant], "--workers",
               str(workers), "--json", str(out)]
    subprocess.run(command, check=True)
    return out


def learned_ids(items: Sequence[Mapping[str, Any]]) -> list[str]:
    found = {a for item in items for a in (item.get("analyzers") or {})}
    return sorted(a for a in found if a.startswith(LEARNED_PREFIXES) or a in LEARNED_IDS)


def evaluate_run(bench: Mapping[str, Any], rows: Sequence[corpora.Row], variant: str, *,
                 shortcuts: bool = True) -> dict[str, Any]:
    """Tables of one bench run (its items keyed by corpus path) against the unseen corpus rows."""
    by_path = {item["path"]: item for item in bench["items"]}
    usable = [r for r in rows if r.manifest.path in by_path and not by_path[r.manifest.path].get("error")]
    out: dict[str, Any] = {"files": len(usable), "errors": sorted(
        r.manifest.path for r in rows if r.manifest.path in by_path and by_path[r.manifest.path].get("error"))}
    items = [by_path[r.manifest.path] for r in usable]
    fused = {FUSED: _fused_tables(usable, items)}
    analyzers: dict[str, dict[str, Any]] = {}
    scores: dict[str, dict[str, float]] = {FUSED: {r.key: float(i["p_synthetic"]) for r, i in zip(usable, items,
                                                                                                  strict=True)}}
    for analyzer in learned_ids(items):
        scores[analyzer] = {r.key: float(i["analyzers"][analyzer]) for r, i in zip(usable, items, strict=True)
                            if (i.get("analyzers") or {}).get(analyzer) is not None}
        analyzers[analyzer] = metrics.table(usable, scores[analyzer])
    out["tables"] = {**fused, **analyzers}
    out["per_generator_fused"] = _fused_per_generator(usable, items)
    if shortcuts:
        properties = {}
        for row in usable:
            try:
                properties[row.key] = metrics.media_properties(variant_path(row.path, variant))
            except Exception:  # noqa: BLE001 - a copy that can't be probed has no properties
                properties[row.key] = {}
        out["shortcuts"] = {}
        for name, by_key in scores.items():
            per_category = {}
            for category in sorted({r.category for r in usable}):  # not pooled: formats differ by category
                members = [r for r in usable if r.key in by_key and r.category == category]
                if len({r.y for r in members}) == 2:
                    per_category[category] = metrics.shortcut_checks(
                        [r.y for r in members], [by_key[r.key] for r in members], [properties[r.key] for r in members])
            out["shortcuts"][name] = per_category
    return out


def _fused_tables(rows: Sequence[corpora.Row], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(row.category, []).append(index)
    groups["all"] = list(range(len(rows)))
    out = {}
    for name, members in sorted(groups.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        out[name] = metrics.summary_of_calls(
            [rows[i].y for i in members], [items[i]["p_synthetic"] for i in members],
            [items[i]["verdict"] == "ai_generated" for i in members],
            [items[i]["verdict"] == "inconclusive" for i in members])
    return out


def _fused_per_generator(rows: Sequence[corpora.Row], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    scores = {r.key: float(i["p_synthetic"]) for r, i in zip(rows, items, strict=True)}
    table_ = metrics.per_generator(rows, scores)
    called = {r.key: i["verdict"] == "ai_generated" for r, i in zip(rows, items, strict=True)}
    for name, cell in table_.items():  # TPR from the verdict, not from p >= 0.5
        category, generator = name.split("/", 1)
        fakes = [r for r in rows if r.y and r.category == category and (r.generator or "?") == generator]
        cell["tpr"] = round(sum(called[r.key] for r in fakes) / len(fakes), 4) if fakes else None
    return table_


def print_tables(result: Mapping[str, Any]) -> str:
    lines = []
    for variant, run in result["variants"].items():
        lines += [f"### {variant} ({run['files']} files, {len(run['errors'])} errors)", ""]
        rows = []
        for name, by_category in run["tables"].items():
            for category, cell in by_category.items():
                rows.append([category, name, cell["auc"], cell["fpr_real"], cell["tpr"], cell["inconclusive"],
                             f"{cell['n_real']} / {cell['n_fake']}"])
        rows.sort(key=lambda r: (r[0] == "all", r[0], r[1] != FUSED, r[1]))
        lines += [table(["category", "scorer", "AUC", "real FPR", "TPR", "inconclusive", "real / fake"], rows), ""]
        flagged = [f"{name} {category} {prop}" for name, by_category in run.get("shortcuts", {}).items()
                   for category, checks in by_category.items() for prop, entry in checks.items() if entry["flagged"]]
        lines += [f"Shortcut flags: {', '.join(flagged) if flagged else 'none'}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_baseline", description=__doc__.split("\n")[0])
    parser.add_argument("--bench", nargs="*", default=[], metavar="VARIANT=JSON", help="bench runs made elsewhere")
    parser.add_argument("--run", action="store_true", help="run the bench for each variant without a JSON")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=PROTOCOL_DIR / "baseline")
    parser.add_argument("--no-shortcuts", action="store_true")
    parser.add_argument("--unseen-corpus", type=Path, default=None)
    args = parser.parse_args(argv)
    corpus = args.unseen_corpus or corpora.default_corpus("unseen")
    given = dict(pair.split("=", 1) for pair in args.bench)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = corpora.read_corpus("unseen", corpus)
    result: dict[str, Any] = {"corpus": str(corpus), "variants": {}}
    for variant in args.variants:
        path = Path(given.get(variant, args.out / f"bench-{variant}.json"))
        if not path.is_file():
            if not args.run:
                print(f"{variant}: no bench run at {path} (use --run or --bench)", file=sys.stderr)
                continue
            run_bench(variant, corpus, path, args.workers)
        bench = json.loads(path.read_text(encoding="utf-8"))
        result["variants"][variant] = {"bench": str(path), "bench_config": bench.get("config", {}),
                                       **evaluate_run(bench, rows, variant, shortcuts=not args.no_shortcuts)}
    (args.out / "baseline.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    text = print_tables(result)
    (args.out / "baseline.md").write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
