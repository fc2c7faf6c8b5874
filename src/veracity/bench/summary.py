"""Turn bench items (one dict per file) into per-category metrics and per-analyzer AUCs, and print them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from veracity.bench import metrics

ALL = "all"
Item = dict[str, Any]


def _labelled(items: Sequence[Item]) -> list[Item]:
    """Items that count in accuracy: labelled real/fake and analysed without error."""
    return [i for i in items if i["label"] in ("real", "fake") and i["error"] is None and i["p_synthetic"] is not None]


def _y(item: Item) -> int:
    return 1 if item["label"] == "fake" else 0


def summarize(items: Sequence[Item]) -> dict[str, Any]:
    """Metrics of one group of items; errors and ``unknown`` labels are counted but left out of accuracy."""
    scored = _labelled(items)
    labels = [_y(i) for i in scored]
    scores = [float(i["p_synthetic"]) for i in scored]
    decisions = metrics.decision_metrics(
        labels, [i["verdict"] == "ai_generated" for i in scored], [i["verdict"] == "inconclusive" for i in scored]
    )
    analysed = [i for i in items if i["error"] is None and i["seconds"] is not None]
    peaks = [i["peak_rss_mb"] for i in items if i.get("peak_rss_mb") is not None]
    return {
        "n_real": sum(i["label"] == "real" for i in items),
        "n_fake": sum(i["label"] == "fake" for i in items),
        "n_unknown": sum(i["label"] == "unknown" for i in items),
        "n_errors": sum(i["error"] is not None for i in items),
        "roc_auc": metrics.roc_auc(labels, scores),
        "balanced_accuracy": decisions["balanced_accuracy"],
        "fpr_real": decisions["fpr_real"],
        "tpr": decisions["tpr"],
        "tpr_at_5pct_fpr": metrics.tpr_at_fpr(labels, scores, 0.05),
        "inconclusive_share": decisions["inconclusive_share"],
        "median_s_per_file": metrics.median_seconds([i["seconds"] for i in analysed]),
        "real_time_factor": metrics.real_time_factor(
            [i["seconds"] for i in analysed], [i["media_seconds"] for i in analysed]
        ),
        "peak_rss_mb": max(peaks) if peaks else None,
    }


def categories_of(items: Sequence[Item]) -> list[str]:
    return list(dict.fromkeys(i["category"] for i in items))


def per_category(items: Sequence[Item]) -> dict[str, dict[str, Any]]:
    out = {c: summarize([i for i in items if i["category"] == c]) for c in categories_of(items)}
    out[ALL] = summarize(items)
    return out


def analyzer_aucs(items: Sequence[Item]) -> dict[str, dict[str, dict[str, Any]]]:
    """ROC AUC of each analyzer's own ``p_synthetic`` per category, over the files where it gave one."""
    scored = _labelled(items)
    analyzer_ids = sorted({a for i in scored for a in i["analyzers"]})
    groups = {c: [i for i in scored if i["category"] == c] for c in categories_of(items)}
    groups[ALL] = scored
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for analyzer_id in analyzer_ids:
        table[analyzer_id] = {}
        for category, group in groups.items():
            judged = [i for i in group if analyzer_id in i["analyzers"]]
            if not judged:
                continue
            labels = [_y(i) for i in judged]
            table[analyzer_id][category] = {
                "roc_auc": metrics.roc_auc(labels, [float(i["analyzers"][analyzer_id]) for i in judged]),
                "n_real": labels.count(0),
                "n_fake": labels.count(1),
            }
    return table


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def metrics_table(by_category: dict[str, dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("category", "real/fake", "AUC", "bal.acc", "FPR real", "TPR@5%FPR", "inconcl",
                   "s/file", "RTF", "peak MB", "errors"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, m in by_category.items():
        counts = f"{m['n_real']}/{m['n_fake']}" + (f" +{m['n_unknown']}?" if m["n_unknown"] else "")
        table.add_row(
            category, counts, _num(m["roc_auc"]), _num(m["balanced_accuracy"]), _pct(m["fpr_real"]),
            _pct(m["tpr_at_5pct_fpr"]), _pct(m["inconclusive_share"]), _num(m["median_s_per_file"]),
            _num(m["real_time_factor"]), _num(m["peak_rss_mb"], 0), str(m["n_errors"]),
            end_section=category == ALL,
        )
    return table


def analyzer_table(aucs: dict[str, dict[str, dict[str, Any]]], categories: Sequence[str]) -> Table:
    table = Table(title="ROC AUC of each analyzer's own p_synthetic (n real/fake it judged)")
    table.add_column("analyzer")
    columns = [*categories, ALL]
    for category in columns:
        table.add_column(category, justify="right")
    for analyzer_id, cells in aucs.items():
        row = [analyzer_id]
        for category in columns:
            cell = cells.get(category)
            row.append("–" if cell is None else f"{_num(cell['roc_auc'])} ({cell['n_real']}/{cell['n_fake']})")
        table.add_row(*row)
    return table


def print_summary(console: Console, result: dict[str, Any]) -> None:
    config = result["config"]
    recipe = config.get("launder_recipe") or ("platform" if config["launder"] else None)
    files = {None: "plain", "platform": "laundered", "neutral": "neutral-laundered"}.get(recipe, str(recipe))
    title = f"veracity bench — {files} files, profile {config['profile']}"
    console.print(metrics_table(result["metrics"], title))
    if result["analyzer_auc"]:
        console.print(analyzer_table(result["analyzer_auc"], [c for c in result["metrics"] if c != ALL]))
    errors = [i for i in result["items"] if i["error"]]
    if errors:
        console.print(f"[bold]{len(errors)} file(s) could not be analysed:[/]")
        for item in errors:
            console.print(f"  {item['path']}: {item['error']}", markup=False, highlight=False, soft_wrap=True)
    problems: dict[tuple[str, str], list[str]] = {}
    for item in result["items"]:
        for analyzer_id, why in item["analyzer_problems"].items():
            problems.setdefault((analyzer_id, why), []).append(item["path"])
    if problems:
        console.print("[bold]Analyzer runs that failed or lacked a dependency:[/]")
        for (analyzer_id, why), paths in problems.items():
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            console.print(f"  {analyzer_id} on {len(paths)} file(s): {why} — {shown}",
                          markup=False, highlight=False, soft_wrap=True)
    console.print(f"wall time {config['wall_seconds']:.0f} s, {len(result['items'])} files, "
                  f"{config['workers']} worker(s), {config['worker_restarts']} worker restart(s)")
