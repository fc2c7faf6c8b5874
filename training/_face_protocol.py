"""Protocol plumbing shared by the two face trainers (``face_video_temporal``, ``face_forgery.train``) on top of
the shared modules (``training.corpora``, ``training.protocol``, ``training.calibration``, ``training.metrics``):
the variants of a file, folds by source, Platt scaling (optionally signed), and the metrics file and card tables
(AUC, real FPR / TPR at p ≥ 0.5, per generator, shortcut checks, real files accused).

The analyzers have no inconclusive band of their own: a file is "called fake" at p ≥ 0.5 and the share
inconclusive is 0 for the analyzer alone (``training.metrics.ANALYZER_BAND``; the fusion's band applies to the
fused verdict).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from training import metrics, protocol
from training.calibration import fit_platt
from training.corpora import REPO, Row, add_arguments, from_arguments, read_both

VARIANTS = protocol.VARIANTS
SHORTCUTS = metrics.PROPERTIES

__all__ = ["REPO", "Row", "VARIANTS"]


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    add_arguments(parser)


def read_rows(args: argparse.Namespace) -> list[Row]:
    return read_both(*from_arguments(args))


def variant_source(path: str, variant: str) -> Path:
    """The file to analyse for ``variant`` of corpus file ``path`` (damaged copies are cached by recipe)."""
    return protocol.variant_path(path, variant)


def recipe_version(variant: str) -> str:
    """The cache tag of a variant's damage recipe ("0" for the file as it is)."""
    from veracity.media.damage import RECIPES

    recipe = protocol.RECIPE[variant]
    return "0" if recipe is None else RECIPES[recipe]


def media_meta(info: Any, path: Path) -> dict[str, Any]:
    """The properties a shortcut could use (``training.metrics.PROPERTIES``) from a probe of ``path``."""
    width, height = info.width or 0, info.height or 0
    return {"format": info.container or path.suffix.lower().lstrip("."), "fps": float(info.fps or 0.0),
            "duration_s": float(info.duration_s or 0.0), "pixels": float(width * height),
            "squareness": min(width, height) / max(width, height, 1), "bytes": float(path.stat().st_size)}


def group_folds(rows: list[Row], folds: int) -> dict[str, int]:
    """source_repo -> fold (``training.protocol.row_folds``: every repository in one fold)."""
    by_key = protocol.row_folds(rows, folds)
    return {r.group: by_key[r.key] for r in rows}


def sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def platt(logits: list[float], labels: list[int], signed: bool = False) -> tuple[float, float]:
    """Platt scaling (``training.calibration.fit_platt``, classes weighed equally); unless ``signed``, a slope
    that is not positive (held-out scores running against the labels) becomes "no evidence": a constant p just
    under the call threshold, never a flipped reading of the model."""
    fit = fit_platt(logits, labels)
    if fit.scale > 0 or signed:
        return fit.scale, fit.offset
    return 0.0, -0.01


def auc(labels: list[int], scores: list[float]) -> float | None:
    value = metrics.auc(labels, scores)
    return None if value is None else round(float(value), 4)


def auc_of(rows: dict[str, Row], p: dict[str, float], category: str | None = None) -> float | None:
    keys = [k for k in p if category is None or rows[k].category == category]
    return auc([rows[k].y for k in keys], [p[k] for k in keys])


def decision(rows: dict[str, Row], p: dict[str, float], category: str | None = None) -> dict[str, Any]:
    keys = [k for k in p if category is None or rows[k].category == category]
    real = [k for k in keys if rows[k].y == 0]
    fake = [k for k in keys if rows[k].y == 1]
    return {"files": len(keys), "real": len(real), "fake": len(fake),
            "auc": auc([rows[k].y for k in keys], [p[k] for k in keys]),
            "fpr": round(float(np.mean([p[k] >= 0.5 for k in real])), 4) if real else None,
            "tpr": round(float(np.mean([p[k] >= 0.5 for k in fake])), 4) if fake else None,
            "log_loss": metrics.balanced_log_loss([rows[k].y for k in keys], [p[k] for k in keys]),
            "inconclusive": 0.0}


def per_generator(rows: dict[str, Row], p: dict[str, float], category: str) -> dict[str, Any]:
    keys = [k for k in p if rows[k].category == category]
    real = [k for k in keys if rows[k].y == 0]
    out = {}
    for gen in sorted({rows[k].generator for k in keys if rows[k].y}):
        fakes = [k for k in keys if rows[k].y and rows[k].generator == gen]
        out[gen] = {"fakes": len(fakes), "auc": auc([1] * len(fakes) + [0] * len(real), [p[k] for k in fakes + real]),
                    "tpr": round(float(np.mean([p[k] >= 0.5 for k in fakes])), 4)}
    return out


def shortcut_checks(rows: dict[str, Row], p: dict[str, float], meta: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``training.metrics.shortcut_checks`` on the rows scored: each property alone -> AUC, Spearman of the score
    with it (all rows and within each class), flagged when the score follows it within a class."""
    keys = [k for k in p if k in meta]
    if not keys:
        return {"rows": 0}
    y = [rows[k].y for k in keys]
    props = [{**meta[k], "format": meta[k].get("format") or rows[k].manifest.path.rsplit(".", 1)[-1].lower()}
             for k in keys]
    return {"rows": len(keys), "model_auc": auc(y, [p[k] for k in keys]),
            **metrics.shortcut_checks(y, [p[k] for k in keys], props)}


def write_scores(analyzer_id: str, unseen: dict[str, dict[str, float]], grouped_cv: dict[str, dict[str, float]],
                 meta: dict[str, Any] | None = None) -> Path:
    """``build/protocol/<analyzer id>.json`` (``training.protocol.write_scores``)."""
    return protocol.write_scores(analyzer_id, unseen=unseen, grouped_cv=grouped_cv, meta=meta)


def summarise(analyzer_id: str, rows: dict[str, Row], results: dict[str, Any], chosen: str,
              choice: dict[str, Any], meta: dict[tuple[str, str], dict[str, float]],
              previous: dict[str, dict[str, float]], peers: dict[str, dict[str, dict[str, float]]] | None = None,
              categories: tuple[str, ...] = ("face_video", "video"),
              choice_rule: str = "best mean face_video AUC over plain/laundered/neutral, train -> unseen (a figure "
                                 "used to choose, not a test)") -> dict[str, Any]:
    """The metrics file: every candidate train -> unseen per category × variant, the chosen one's grouped CV, per
    generator, shortcut checks, real files accused, and the previous model and peers on the same rows."""

    def table(p_by_variant: dict[str, dict[str, float]]) -> dict[str, Any]:
        return {v: {c: decision(rows, p_by_variant[v], c) for c in categories} for v in VARIANTS}

    best = results[chosen]
    out: dict[str, Any] = {
        "analyzer": analyzer_id, "chosen": chosen,
        "choice_rule": choice_rule,
        "choice_figures": choice,
        "candidates": {c: table(r["unseen"]) for c, r in results.items()},
        "candidates_raw_auc": {c: {v: auc_of(rows, r["unseen_raw"][v], categories[0]) for v in VARIANTS}
                               for c, r in results.items() if "unseen_raw" in r},
        "grouped_cv": table(best["grouped_cv"]),
        "per_generator": {v: {c: per_generator(rows, best["unseen"][v], c) for c in categories} for v in VARIANTS},
        "shortcuts": {v: shortcut_checks(rows, best["unseen"][v], {k: m for (vv, k), m in meta.items() if vv == v})
                      for v in VARIANTS},
        "accused_real": {v: sorted(k for k, p in best["unseen"][v].items() if rows[k].y == 0 and p >= 0.5)
                         for v in VARIANTS},
        "previous": table(previous),
        "peers": {name: table(p) for name, p in (peers or {}).items()},
    }
    fit_meta = {k: m for (v, k), m in meta.items() if v == "random" and rows[k].corpus == "train"}
    if fit_meta:
        keys = sorted(fit_meta)
        y = [rows[k].y for k in keys]
        out["shortcuts"]["train_fit_rows"] = {name: auc(y, [float(fit_meta[k].get(name, 0.0)) for k in keys])
                                              for name in SHORTCUTS if name != "format"}
    return out


def headline(summary: dict[str, Any]) -> str:
    lines = [f"{summary['analyzer']}: chosen {summary['chosen']} ({summary['choice_figures']})"]
    for name, table in [*summary["candidates"].items(), ("previous", summary["previous"]),
                        ("grouped_cv", summary["grouped_cv"]), *summary["peers"].items()]:
        for variant, cats in table.items():
            fv = cats.get("face_video", {})
            lines.append(f"  {name:18s} {variant:9s} face_video AUC {fv.get('auc')} FPR {fv.get('fpr')} "
                         f"TPR {fv.get('tpr')} ({fv.get('real')}/{fv.get('fake')})")
    return "\n".join(lines)


def _f(x: Any) -> str:
    return "–" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def _shortcut_cell(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    rho = f" (ρ {_f(entry['spearman'])})" if entry.get("spearman") is not None else ""
    return f"{_f(entry.get('auc_alone'))}{rho}{' ⚑' if entry.get('flagged') else ''}"


def card_tables(summary: dict[str, Any], category: str = "face_video") -> str:
    """The protocol part of a model card, from the metrics file ``summarise`` wrote."""
    lines = ["## Protocol figures (`training/README.md`)", "",
             f"*train → unseen*: fitted on corpus-train only, scoring the visible corpus's `{category}` files "
             "(36 sources none of the training files come from); p is what the analyzer outputs, Platt-calibrated "
             "on corpus-train out-of-fold scores; FPR / TPR at p ≥ 0.5 (the analyzer alone has no inconclusive "
             "band; the fusion's band applies to the verdict). *plain*: the files as they are; *laundered*: "
             "`veracity bench --launder`'s platform recipe; *neutral*: the protocol's neutral recipe.", "",
             f"Candidates (declared before looking; {summary['choice_rule']}):", "",
             "| model | variant | files (real/fake) | AUC | log-loss | real FPR | TPR |",
             "|---|---|---|---|---|---|---|"]
    rows = [*((f"candidate `{n}`" + (" (chosen)" if n == summary["chosen"] else ""), t)
              for n, t in summary["candidates"].items()),
            ("shipped before (37ce896; fitted on these very files: in-sample)", summary["previous"]),
            *((f"peer `{n}`", t) for n, t in summary["peers"].items())]
    for name, table in rows:
        for variant, cats in table.items():
            c = cats.get(category)
            if c and c["files"]:
                lines.append(f"| {name} | {variant} | {c['files']} ({c['real']}/{c['fake']}) | {_f(c['auc'])} | "
                             f"{_f(c.get('log_loss'))} | {_f(c['fpr'])} | {_f(c['tpr'])} |")
    lines += ["", "The model shipped before this issue was fitted on the visible corpus itself (its reals, for the "
              "face-forgery CNN; every clip, for the temporal model), so its row is an in-sample figure, not "
              "comparable with the train → unseen rows above; grouped CV below is the fair comparison.", "",
              "Grouped cross-validation by `source_repo` over both corpora (chosen design):", "",
              "| variant | files (real/fake) | AUC | real FPR | TPR |", "|---|---|---|---|---|"]
    for variant, cats in summary["grouped_cv"].items():
        c = cats.get(category)
        if c and c["files"]:
            lines.append(f"| {variant} | {c['files']} ({c['real']}/{c['fake']}) | {_f(c['auc'])} | {_f(c['fpr'])} | "
                         f"{_f(c['tpr'])} |")
    lines += ["", "Per generator, train → unseen (its fakes against every real file scored; TPR at p ≥ 0.5):", "",
              "| generator | fakes | AUC plain | AUC laundered | AUC neutral | TPR neutral |",
              "|---|---|---|---|---|---|"]
    gens = summary["per_generator"]
    for gen in sorted(gens["plain"].get(category, {})):
        cells = [gens[v].get(category, {}).get(gen, {}) for v in VARIANTS]
        lines.append(f"| {gen} | {cells[0].get('fakes')} | " + " | ".join(_f(c.get("auc")) for c in cells)
                     + f" | {_f(cells[2].get('tpr'))} |")
    lines += ["", "Shortcut checks (`training.metrics.shortcut_checks`), train → unseen rows: each property alone "
              "→ AUC on the same rows (format: its in-sample fake share, an upper bound; below 0.5 = the other way "
              "round), ρ = Spearman of the model's p with it over all rows; ⚑ = the score follows the property "
              "within a class (|ρ| ≥ 0.5 or format η² ≥ 0.25 among reals or among fakes):", "",
              "| variant | model AUC | " + " | ".join(SHORTCUTS) + " |", "|---|---|" + "---|" * len(SHORTCUTS)]
    for variant in VARIANTS:
        s = summary["shortcuts"].get(variant, {})
        if s.get("rows"):
            shortcut_cells = " | ".join(_shortcut_cell(s.get(n)) for n in SHORTCUTS)
            lines.append(f"| {variant} | {_f(s['model_auc'])} | {shortcut_cells} |")
    fit_rows = summary["shortcuts"].get("train_fit_rows")
    if fit_rows:
        lines += ["", "On the rows the model is fitted on (corpus-train's random launderings), each property alone: "
                  + ", ".join(f"{n} {_f(a)}" for n, a in fit_rows.items()) + "."]
    lines += ["", "Real files of the visible corpus it accuses (p ≥ 0.5, train → unseen):", ""]
    for variant, keys in summary["accused_real"].items():
        lines.append(f"- {variant}: " + (", ".join(f"`{k.split(':', 1)[1]}`" for k in keys) if keys else "none"))
    return "\n".join(lines) + "\n"
