"""Train the calibrated fusion (``fusion_v1``) that turns analyzer outputs into one honest probability.

    .venv/bin/python -m training.fusion --corpus ../shared/corpus [--workers 2] [--oof build/oof]

Input: two ``veracity bench --json`` runs over the corpus (files as they are, and after ``--launder``), which hold
every analyzer's ``p_synthetic`` per file; they are made first (``build/fusion/bench-*.json``) unless present.
Learned models were trained on this same corpus, so their in-sample scores are replaced by the out-of-fold scores
their training scripts wrote to ``build/oof/<analyzer id>.json`` (each file scored by a model that never saw its
source); a learned analyzer's score without such a replacement is dropped. Files settled by decisive provenance never
reach the fusion, so they are left out too.

Model, one per media kind, split by whether a face was analysed (image, image+face, video, video+face, audio):
logistic regression through the origin on ``logit(p)`` of each analyzer (0 when the analyzer did not judge the file,
so no evidence means even odds), with non-negative weights (a higher ``p_synthetic`` may never count as evidence of
authenticity) shrunk toward the analyzers' declared ``fusion_weight`` by an L2 penalty chosen by grouped
cross-validation, classes weighted equally (a 50 % prior: the corpus mix says nothing about what users will check),
then Platt-scaled on the out-of-fold logits.

Split: leave-one-source-out, a source being a repository's real files or one generator's fakes from it (MANIFEST
``source_repo``, ``generator``); both copies of a file sit in the same fold.
The out-of-fold probabilities give the metrics (AUC per category and generator, plain and laundered) and the
inconclusive band: its upper edge is the lowest threshold where real files stay under 5 % false positives and nine
in ten files above it are fakes; its lower edge the highest where nine in ten below it are real.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from training.cards import record_sha256
from veracity.fusion.v1 import model_key

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "src" / "veracity" / "models"
OUT = MODELS_DIR / "fusion_v1.json"
LEARNED = ("learned.", "audio.voice_forensics")  # ids (prefixes) of models trained on the corpus
P_CLIP = 0.02
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
MIN_SHARE = 0.05  # an analyzer must judge at least this share of a kind's files to get a weight
MAX_FPR = 0.05
SINGLE_COLUMNS = [(v, c) for c in ("image", "video", "face_video", "audio") for v in ("plain", "bench")]
MIN_PRECISION = 0.9


@dataclass
class Row:
    path: str
    variant: str  # "plain" or "bench"
    kind: str
    category: str
    generator: str
    group: str
    label: int
    p_by_analyzer: dict[str, float] = field(default_factory=dict)


def logit(p: float) -> float:
    p = min(max(p, P_CLIP), 1 - P_CLIP)
    return math.log(p / (1 - p))


def is_learned(analyzer_id: str) -> bool:
    return analyzer_id.startswith(LEARNED)


def load_rows(bench_runs: dict[str, Path], oof_dir: Path) -> tuple[list[Row], list[str]]:
    """Rows of both variants; learned analyzers' scores come only from their out-of-fold files."""
    oof = {}
    for path in sorted(oof_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        oof[data["analyzer"]] = data
    rows = []
    for variant, run in bench_runs.items():
        for item in json.loads(run.read_text(encoding="utf-8"))["items"]:
            if item["label"] not in ("real", "fake") or item["error"] or item["verdict_method"].startswith("decisive"):
                continue
            scores = {a: float(p) for a, p in item["analyzers"].items() if p is not None and not is_learned(a)}
            for analyzer_id, data in oof.items():
                p = data.get(variant, {}).get(item["path"])
                if p is not None:
                    scores[analyzer_id] = float(p)
            rows.append(Row(
                path=item["path"], variant=variant, kind=model_key(item["media_kind"], scores),
                category=item["category"], generator=item["generator"] or "", group=_group(item),
                label=int(item["label"] == "fake"), p_by_analyzer=scores,
            ))
    return rows, sorted(oof)


def bench_analyzer_ids() -> list[str]:
    """The default profile's analyzers, less the corpus-trained ones (their out-of-fold scores are used instead)."""
    from veracity.analyzers import registry
    from veracity.config import Profile

    return sorted(cls.info.id for cls in registry.for_profile(Profile.DEFAULT) if not is_learned(cls.info.id))


def run_bench(corpus: Path, out: Path, launder: bool, workers: int) -> None:
    import subprocess

    out.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "veracity", "bench", str(corpus), "--workers", str(workers),
               "--analyzers", ",".join(bench_analyzer_ids()), "--json", str(out)]
    subprocess.run([*command, "--launder"] if launder else command, check=True)


def _group(item: dict[str, Any]) -> str:
    """Source repository, and within it real files apart from each generator's fakes (one repo may hold both)."""
    return f"{item['source_repo']}|{item['generator'] if item['label'] == 'fake' else 'real'}"


def declared_weights(names: list[str]) -> np.ndarray:
    """Each analyzer's declared ``fusion_weight``: the weight the fit shrinks toward when data are few."""
    from veracity.analyzers import registry

    available = registry.available()
    return np.array([available[n].info.fusion_weight if n in available else 0.0 for n in names])


def design(rows: list[Row], names: list[str]) -> np.ndarray:
    return np.array([[logit(r.p_by_analyzer[n]) if n in r.p_by_analyzer else 0.0 for n in names] for r in rows])


def balanced_weights(labels: np.ndarray) -> np.ndarray:
    weights = np.ones(len(labels))
    for value in (0, 1):
        mask = labels == value
        if mask.any():
            weights[mask] = 0.5 * len(labels) / mask.sum()
    return weights


def fit_nonnegative_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float,
                             prior: np.ndarray) -> np.ndarray:
    """Weighted logistic regression through the origin (no evidence = even odds), weights ≥ 0, L2 penalty
    |w - prior|² / (2c) per file: with few files the weights stay near the analyzers' declared ones."""
    from scipy.optimize import minimize

    sign = 2 * y - 1

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sign * (x @ w)
        shrink = w - prior
        value = float(np.sum(weights * np.logaddexp(0, -margin)) / weights.sum() + shrink @ shrink / (2 * c * len(y)))
        d_margin = -weights * sigmoid(-margin) / weights.sum()
        return value, x.T @ (d_margin * sign) + shrink / (c * len(y))

    result = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * x.shape[1])
    return np.asarray(result.x)


def platt(z: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Scale and offset of p = σ(scale·z + offset), fitted by weighted log-loss."""
    from scipy.optimize import minimize

    def loss(theta: np.ndarray) -> float:
        margin = (2 * y - 1) * (theta[0] * z + theta[1])
        return float(np.sum(weights * np.logaddexp(0, -margin)) / weights.sum())

    result = minimize(loss, np.array([1.0, 0.0]), method="Nelder-Mead")
    return float(result.x[0]), float(result.x[1])


def out_of_fold(rows: list[Row], names: list[str], c: float) -> np.ndarray:
    x, y = design(rows, names), np.array([r.label for r in rows])
    groups = np.array([r.group for r in rows])
    z = np.zeros(len(rows))
    for group in sorted(set(groups)):
        held = groups == group
        train = ~held
        if len(set(y[train])) < 2:
            continue
        w = fit_nonnegative_logistic(x[train], y[train], balanced_weights(y[train]), c, declared_weights(names))
        z[held] = x[held] @ w
    return z


def log_loss(p: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.sum(weights * (y * np.log(p) + (1 - y) * np.log(1 - p))) / weights.sum())


def sigmoid(z: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return np.asarray(expit(z))


def choose_band(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The inconclusive band from out-of-fold probabilities (classes weighted equally)."""
    weights = balanced_weights(y)
    real_total = weights[y == 0].sum()
    high = 0.95
    for t in np.arange(0.50, 0.951, 0.01):
        above = p >= t
        fpr = weights[above & (y == 0)].sum() / real_total
        precision = weights[above & (y == 1)].sum() / max(weights[above].sum(), 1e-9)
        if fpr <= MAX_FPR and precision >= MIN_PRECISION:
            high = float(t)
            break
    low = 0.05
    for t in np.arange(0.50, 0.049, -0.01):
        below = p <= t
        npv = weights[below & (y == 0)].sum() / max(weights[below].sum(), 1e-9)
        if npv >= MIN_PRECISION:
            low = float(t)
            break
    return round(low, 2), round(high, 2)


def auc(scores: list[float] | np.ndarray, labels: list[int] | np.ndarray) -> float | None:
    scores, labels = np.asarray(scores, float), np.asarray(labels, int)
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return None
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return round(float(wins / (len(pos) * len(neg))), 4)


@dataclass
class KindModel:
    names: list[str]
    c: float
    weights: np.ndarray
    intercept: float
    band: tuple[float, float]
    oof_p: np.ndarray


def train_kind(rows: list[Row]) -> KindModel:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        for name in r.p_by_analyzer:
            counts[name] += 1
    names = sorted(n for n, k in counts.items() if k >= MIN_SHARE * len(rows))
    y = np.array([r.label for r in rows])
    balance = balanced_weights(y)
    best: tuple[float, float, np.ndarray] | None = None
    for c in C_GRID:
        z = out_of_fold(rows, names, c)
        scale, offset = platt(z, y, balance)
        loss = log_loss(sigmoid(scale * z + offset), y, balance)
        if best is None or loss < best[0]:
            best = (loss, c, sigmoid(scale * z + offset))
    assert best is not None
    _, c, oof_p = best
    x = design(rows, names)
    w = fit_nonnegative_logistic(x, y, balance, c, declared_weights(names))
    scale, offset = platt(out_of_fold(rows, names, c), y, balance)
    # Platt scaling composed into the linear model: p = σ(scale·w·x + offset).
    return KindModel(names=names, c=c, weights=scale * w, intercept=offset, band=choose_band(oof_p, y), oof_p=oof_p)


def metrics(rows: list[Row], p: np.ndarray, bands: np.ndarray) -> dict[str, Any]:
    """AUC per variant, category and generator; rates at each row's band (``bands``: one (low, high) per row)."""
    labels = np.array([r.label for r in rows])
    called_fake = p >= bands[:, 1]
    inconclusive = (p > bands[:, 0]) & ~called_fake
    out: dict[str, Any] = {}
    for variant in ("plain", "bench"):
        chosen = np.array([r.variant == variant for r in rows])

        def summary(mask: np.ndarray) -> dict[str, Any]:
            real, fake = mask & (labels == 0), mask & (labels == 1)
            return {"auc": auc(p[mask], labels[mask]), "files": int(mask.sum()),
                    "fpr_real": _share(called_fake, real), "tpr": _share(called_fake, fake),
                    "inconclusive": _share(inconclusive, mask)}

        categories = sorted({r.category for r in rows})
        generators = sorted({r.generator for r in rows if r.label})
        category_of = np.array([r.category for r in rows])
        generator_of = np.array([r.generator for r in rows])
        per_generator = {}
        for generator in generators:
            fakes = chosen & (generator_of == generator) & (labels == 1)
            # a generator's fakes against the real files of the categories it appears in
            reals = chosen & (labels == 0) & np.isin(category_of, list(set(category_of[fakes])))
            per_generator[generator or "?"] = {"auc": auc(p[fakes | reals], labels[fakes | reals]),
                                               "fakes": int(fakes.sum())}
        out[variant] = {**summary(chosen),
                        "per_category": {c: summary(chosen & (category_of == c)) for c in categories},
                        "per_generator": per_generator}
    return out


def _share(hit: np.ndarray, mask: np.ndarray) -> float | None:
    return round(float(hit[mask].mean()), 4) if mask.any() else None


def single_analyzer_auc(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """Each analyzer alone, on the files it judged (learned ones: out-of-fold scores)."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    names = sorted({n for r in rows for n in r.p_by_analyzer})
    for name in names:
        for variant in ("plain", "bench"):
            for category in sorted({r.category for r in rows}):
                judged = [r for r in rows
                          if r.variant == variant and r.category == category and name in r.p_by_analyzer]
                value = auc([r.p_by_analyzer[name] for r in judged], [r.label for r in judged])
                if value is not None:
                    out[name][f"{variant}:{category}"] = {"auc": value, "files": len(judged)}
    return dict(out)


def model_card(spec: dict[str, Any], report: dict[str, Any]) -> str:
    lines = [
        "# fusion_v1: the calibrated verdict",
        "",
        "Turns the analyzers' `p_synthetic` into one probability per file, one logistic model per media kind, after "
        "decisive provenance (declared AI origin, decoded generator watermarks) has had its say. Recreated by "
        "`make train-fusion` (`training/fusion.py`; its docstring gives the method).",
        "",
        "**Training data**: two `veracity bench` runs over `../shared/corpus` (files as they are, and laundered), "
        "real and fake labels only, files settled by decisive provenance left out. Corpus-trained models "
        "(`learned.*`, `audio.voice_forensics`) enter through their out-of-fold scores. Classes weighted equally, "
        "so the probability assumes even prior odds.",
        "",
        "**Split**: leave-one-source-repository-out within each media kind; every figure below is out-of-fold.",
        "",
        f"sha256 of `fusion_v1.json`: `{report['sha256']}`",
        "",
        "## Weights (after Platt scaling) and inconclusive band",
        "",
        "| kind | intercept | weights | band | files (both variants) |",
        "|---|---|---|---|---|",
    ]
    for kind, model in spec["kinds"].items():
        weights = ", ".join(f"{n} {w:g}" for n, w in sorted(model["weights"].items(), key=lambda nw: -nw[1]))
        lines.append(f"| {kind} | {model['intercept']:g} | {weights or '(none)'} | {model['band'][0]:g}–"
                     f"{model['band'][1]:g} | {report['kinds'][kind]['files']} |")
    fused = report["fused"]
    lines += ["", "## Out-of-fold results per category", "",
              "Plain = files as they are, laundered = after `veracity bench --launder`. FPR real and TPR at each "
              "kind's upper band edge; inconclusive = share inside the band. Files settled by decisive provenance "
              "are not counted here.", "",
              "| category | plain AUC | laundered AUC | FPR real (plain / laundered) | TPR | inconclusive | files |",
              "|---|---|---|---|---|---|---|"]
    for category, plain in fused["plain"]["per_category"].items():
        bench = fused["bench"]["per_category"].get(category, {})
        lines.append(f"| {category} | {plain['auc']} | {bench.get('auc')} | {plain['fpr_real']} / "
                     f"{bench.get('fpr_real')} | {plain['tpr']} / {bench.get('tpr')} | {plain['inconclusive']} / "
                     f"{bench.get('inconclusive')} | {plain['files']} |")
    lines += ["", "## Per generator (its fakes against the real files of the same categories)", "",
              "| generator | plain AUC | laundered AUC | fakes |", "|---|---|---|---|"]
    for generator, plain in fused["plain"]["per_generator"].items():
        bench = fused["bench"]["per_generator"].get(generator, {})
        lines.append(f"| {generator} | {plain['auc']} | {bench.get('auc')} | {plain['fakes']} |")
    lines += ["", "## Each analyzer alone (out-of-fold for the learned ones)", "",
              "| analyzer | " + " | ".join(f"{v} {c}" for v, c in SINGLE_COLUMNS) + " |",
              "|---|" + "---|" * len(SINGLE_COLUMNS)]
    for name, by_column in report["single_analyzers"].items():
        cells = [str(by_column.get(f"{v}:{c}", {}).get("auc", "")) for v, c in SINGLE_COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Known failures",
        "",
        "- Small data: a few hundred file copies from a few dozen sources; the weights move when a source is added.",
        "- A source unlike every training source (a new generator, a new camera pipeline) is scored by analyzers "
        "that never saw it; the band keeps most such files *inconclusive* rather than wrong, not all.",
        "- Analyzers missing from a run (the `fast` profile, a missing extra) count as no evidence, which pulls the "
        "probability toward the intercept.",
        "- Plug-in analyzers unknown to the model are added with the weight their authors declared, uncalibrated.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plain", type=Path, default=REPO / "build" / "fusion" / "bench-plain.json")
    parser.add_argument("--bench", type=Path, default=REPO / "build" / "fusion" / "bench-launder.json")
    parser.add_argument("--oof", type=Path, default=REPO / "build" / "oof")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--metrics", type=Path, default=REPO / "build" / "fusion" / "metrics.json")
    args = parser.parse_args()

    for path, launder in ((args.plain, False), (args.bench, True)):
        if not path.is_file():
            run_bench(args.corpus, path, launder, args.workers)
    rows, out_of_fold_models = load_rows({"plain": args.plain, "bench": args.bench}, args.oof)
    spec: dict[str, Any] = {"model": "fusion_v1", "p_clip": P_CLIP, "kinds": {}}
    report: dict[str, Any] = {"out_of_fold_models": out_of_fold_models, "kinds": {},
                              "single_analyzers": single_analyzer_auc(rows)}
    oof_p, bands = np.zeros(len(rows)), np.zeros((len(rows), 2))
    for kind in sorted({r.kind for r in rows}):
        index = [i for i, r in enumerate(rows) if r.kind == kind]
        if not index:
            continue
        kind_rows = [rows[i] for i in index]
        model = train_kind(kind_rows)
        oof_p[index] = model.oof_p
        spec["kinds"][kind] = {
            "intercept": round(model.intercept, 4),
            "weights": {n: round(float(w), 4) for n, w in zip(model.names, model.weights, strict=True)},
            "band": list(model.band),
        }
        bands[index] = model.band
        report["kinds"][kind] = {"c": model.c, "files": len(kind_rows), "band": model.band,
                                 "metrics": metrics(kind_rows, model.oof_p, bands[index])}
    report["fused"] = metrics(rows, oof_p, bands)
    text = json.dumps(spec, indent=1) + "\n"
    args.out.write_text(text, encoding="utf-8")
    report["sha256"] = record_sha256(args.out)
    args.out.with_suffix(".md").write_text(model_card(spec, report), encoding="utf-8")
    args.metrics.parent.mkdir(parents=True, exist_ok=True)
    args.metrics.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (sha256 {report['sha256']}), its card and {args.metrics}")
    for variant in ("plain", "bench"):
        for category, m in report["fused"][variant]["per_category"].items():
            print(f"fused out-of-fold  {variant:5}  {category:10}  AUC {m['auc']}  FPR real {m['fpr_real']}  "
                  f"TPR {m['tpr']}  inconclusive {m['inconclusive']}  files {m['files']}")


if __name__ == "__main__":
    main()
