"""Published peer models run beside Veracity in ``veracity bench --peer NAME``, compared on the same files.

A peer is an analyzer with no weight in the verdict; the bench adds it to the run and then compares, on the files
where the peer gave a score, its ROC AUC with that of Veracity's verdict and of the other analyzers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from veracity.bench import metrics
from veracity.bench.manifest import ManifestError
from veracity.config import Profile

PEERS: dict[str, str] = {"mesonet": "learned.mesonet", "aasist": "audio.aasist"}


def with_peers(analyzer_ids: tuple[str, ...] | None, peers: Sequence[str], profile: Profile) -> tuple[str, ...]:
    """The analyzers to run: those asked for (default: the profile's), plus each peer's analyzer."""
    from veracity.analyzers import registry

    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        raise ManifestError(f"unknown peer {', '.join(unknown)} (known: {', '.join(sorted(PEERS))})")
    if analyzer_ids is None:
        analyzer_ids = tuple(cls.info.id for cls in registry.for_profile(profile))
    return tuple(dict.fromkeys(analyzer_ids + tuple(PEERS[p] for p in peers)))


def peer_comparison(items: Sequence[dict[str, Any]], peers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per peer and category: AUC of the peer, of the verdict and of each analyzer, on the files the peer scored."""
    out: dict[str, dict[str, Any]] = {}
    for peer in peers:
        analyzer_id = PEERS[peer]
        scored = [i for i in items if i["label"] in ("real", "fake") and i["error"] is None
                  and analyzer_id in i["analyzers"] and i["p_synthetic"] is not None]
        per_category: dict[str, Any] = {}
        for category in dict.fromkeys(i["category"] for i in scored):
            group = [i for i in scored if i["category"] == category]
            labels = [int(i["label"] == "fake") for i in group]
            others = sorted({a for i in group for a in i["analyzers"]} - {analyzer_id})
            per_category[category] = {
                "n_real": labels.count(0), "n_fake": labels.count(1),
                "peer_auc": metrics.roc_auc(labels, [float(i["analyzers"][analyzer_id]) for i in group]),
                "verdict_auc": metrics.roc_auc(labels, [float(i["p_synthetic"]) for i in group]),
                "peer_mean_real": _mean([i["analyzers"][analyzer_id] for i in group if i["label"] == "real"]),
                "peer_mean_fake": _mean([i["analyzers"][analyzer_id] for i in group if i["label"] == "fake"]),
                "analyzer_auc": {a: _auc_where(group, a) for a in others},
            }
        out[peer] = {"analyzer": analyzer_id, "per_category": per_category}
    return out


def _auc_where(group: Sequence[dict[str, Any]], analyzer_id: str) -> float | None:
    judged = [i for i in group if analyzer_id in i["analyzers"]]
    return metrics.roc_auc([int(i["label"] == "fake") for i in judged],
                           [float(i["analyzers"][analyzer_id]) for i in judged])


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def print_peers(console: Console, comparison: dict[str, dict[str, Any]]) -> None:
    for peer, entry in comparison.items():
        table = Table(title=f"peer {peer} ({entry['analyzer']}) vs Veracity, on the files the peer scored")
        for column in ("category", "real/fake", f"{peer} AUC", "verdict AUC", f"{peer} mean real / fake"):
            table.add_column(column, justify="left" if column == "category" else "right")
        for category, m in entry["per_category"].items():
            means = f"{_fmt(m['peer_mean_real'])} / {_fmt(m['peer_mean_fake'])}"
            table.add_row(category, f"{m['n_real']}/{m['n_fake']}", _fmt(m["peer_auc"]), _fmt(m["verdict_auc"]), means)
        console.print(table)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
