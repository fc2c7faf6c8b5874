"""Stand-ins for the shared training modules (corpora, metrics, calibration, protocol) until they land on main."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Item:
    corpus: str  # "train" | "unseen"
    rel: str
    path: Path
    label: int  # 1 = synthetic
    group: str  # source_repo
    generator: str
    category: str
    sha256: str
    bytes: int

    @property
    def key(self) -> str:
        return f"{self.corpus}:{self.rel}"


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train-corpus", type=Path, default=ROOT.parent / "corpus-train")
    parser.add_argument("--unseen-corpus", type=Path, default=ROOT.parent / "shared" / "corpus")


def voice_items(train: Path, unseen: Path) -> list[Item]:
    """Audio rows and rows of videos with a sound track, from both corpora."""
    from veracity.media.probe import probe

    items = []
    for corpus, folder in (("train", train), ("unseen", unseen)):
        with open(folder / "MANIFEST.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                path = folder / row["path"]
                if row["kind"] == "audio" or (row["kind"] == "video" and probe(path).has_audio):
                    items.append(Item(corpus, row["path"], path, int(row["label"] == "fake"), row["source_repo"],
                                      row["generator"], row["category"], row["sha256"], int(row["bytes"])))
    return items


def damaged(path: Path, recipe: str) -> Path:
    """The file after the bench's platform recipe ("laundered") or the neutral recipe, as far as its sound goes.

    Videos: only their sound track is re-encoded as the recipe does it (AAC 128 kb/s at 44.1 kHz; neutral: the
    first 5 s), so the pictures need not be re-encoded here (interim, until the shared damage module lands)."""
    from training.voice_forensics.views import encode
    from veracity.bench.launder import launder
    from veracity.evidence import MediaKind
    from veracity.media.audio import load_mono
    from veracity.media.probe import probe, sha256_file

    info = probe(path)
    if recipe == "laundered" and info.kind is not MediaKind.VIDEO:
        return launder(path)
    video = info.kind is MediaKind.VIDEO
    dst = Path.home() / ".cache" / "veracity" / f"voice-{recipe}-v1" / f"{sha256_file(path)}.{'aac' if video else 'mp3'}"
    if not dst.is_file():
        dst.parent.mkdir(parents=True, exist_ok=True)
        seconds = None if recipe == "laundered" else (5.0 if video else 6.0)
        rate = 44_100 if video else 22_050
        data = encode(load_mono(path, rate, max_seconds=seconds), rate, "aac" if video else "libmp3lame",
                      128_000 if video else 64_000)
        partial = dst.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(dst)
    return dst


def group_folds(groups: Sequence[str], folds: int) -> list[set[int]]:
    """Indices per fold; all rows of a group in one fold (groups spread by size, largest first)."""
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    load = [0] * folds
    fold_of: dict[str, int] = {}
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        fold_of[g] = int(np.argmin(load))
        load[fold_of[g]] += sizes[g]
    return [{i for i, g in enumerate(groups) if fold_of[g] == f} for f in range(folds)]


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    from veracity.bench.metrics import roc_auc

    return float(roc_auc(list(labels), list(scores)))  # type: ignore[arg-type]


def platt_fit(scores: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1e4, max_iter=1000).fit(np.asarray(scores)[:, None], np.asarray(labels))
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def decision_figures(scores: dict[str, float], items: Sequence[Item], threshold: float = 0.5) -> dict:
    rows = [(i.label, scores[i.key]) for i in items if i.key in scores]
    labels = [y for y, _ in rows]
    ps = [p for _, p in rows]
    real = [p for y, p in rows if y == 0]
    fake = [p for y, p in rows if y == 1]
    return {"auc": round(auc(ps, labels), 4) if real and fake else None,
            "fpr": round(float(np.mean(np.array(real) >= threshold)), 4) if real else None,
            "tpr": round(float(np.mean(np.array(fake) >= threshold)), 4) if fake else None,
            "files": len(rows), "abstained": len(items) - len(rows)}


def per_generator(scores: dict[str, float], items: Sequence[Item]) -> dict[str, dict]:
    real = [scores[i.key] for i in items if i.label == 0 and i.key in scores]
    out = {}
    for gen in sorted({i.generator for i in items if i.label == 1}):
        fake = [scores[i.key] for i in items if i.label == 1 and i.generator == gen and i.key in scores]
        out[gen] = {"files": len(fake), "mean_p": round(float(np.mean(fake)), 3),
                    "tpr": round(float(np.mean(np.array(fake) >= 0.5)), 3),
                    "auc_vs_all_real": round(auc(fake + real, [1] * len(fake) + [0] * len(real)), 3)}
    return out


def _audio_facts(item: Item) -> dict[str, float | str]:
    from veracity.media.probe import probe

    info = probe(item.path)
    rate = next((s.sample_rate_hz for s in info.streams if s.type == "audio" and s.sample_rate_hz), 0)
    return {"format": item.path.suffix.lower(), "bytes": float(item.bytes),
            "duration_s": float(info.duration_s or 0.0), "sample_rate_hz": float(rate or 0)}


def shortcut_checks(scores: dict[str, float], items: Sequence[Item]) -> dict:
    """AUC of each file property alone (categorical: its in-sample fake share) and Spearman of the score with it."""
    from scipy.stats import spearmanr

    rows = [i for i in items if i.key in scores]
    facts = [_audio_facts(i) for i in rows]
    labels = [i.label for i in rows]
    ps = [scores[i.key] for i in rows]
    out: dict[str, dict] = {}
    for name in facts[0]:
        values = [f[name] for f in facts]
        if isinstance(values[0], str):
            share = {v: np.mean([y for y, w in zip(labels, values, strict=True) if w == v]) for v in set(values)}
            numeric = [float(share[v]) for v in values]
            rho = None
        else:
            numeric = [float(v) for v in values]
            rho = round(float(spearmanr(ps, numeric).statistic), 3)
        a = auc(numeric, labels)
        out[name] = {"auc_alone": round(max(a, 1 - a), 3), "spearman_with_score": rho}
    return out


def write_scores(analyzer_id: str, unseen: dict, grouped_cv: dict) -> Path:
    out = ROOT / "build" / "protocol" / f"{analyzer_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"analyzer": analyzer_id, "unseen": unseen, "grouped_cv": grouped_cv}, indent=1) + "\n")
    return out


def record_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_legacy_oof(analyzer_id: str, grouped_cv: dict) -> Path:
    """The visible corpus' grouped-CV p in the form the fusion trainer of before the protocol reads."""
    out = ROOT / "build" / "oof" / f"{analyzer_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    pick = {"plain": "plain", "bench": "laundered"}
    out.write_text(json.dumps({"analyzer": analyzer_id, "split": "grouped CV by source over both corpora", **{
        old: {k.split(":", 1)[1]: round(p, 4) for k, p in sorted(grouped_cv[new].items()) if k.startswith("unseen:")}
        for old, new in pick.items()}}, indent=1) + "\n")
    return out
