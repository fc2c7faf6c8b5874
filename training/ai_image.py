"""Train ``learned.ai_image``: a linear probe on frozen MobileNetV2 features of native-resolution patches.

    .venv/bin/python -m training.ai_image [--jobs 2] [--choose]

Design (chosen by the protocol, see ``DESIGNS`` and the card): every picture is read as ``IMAGE_PATCHES``
224-px patches at its own resolution (video frames: ``FRAME_PATCHES``), each passed through the frozen ImageNet
MobileNetV2 trunk (``mobilenetv2_trunk.onnx``, pooled activations at six depths); per picture the mean (and the
spread) over patches of those 1768 numbers; a standardised L2 logistic regression. A clip's frames are combined as
``clip_log_odds`` does. Platt scaling (one for stills, one for clips) on out-of-fold scores.

Training pictures: every still of the ``image`` category and ``TRAIN_FRAMES`` frames of every ``video`` clip,
each damaged ``IMAGE_AUGS`` / ``FRAME_AUGS`` times at random, the same way for both classes (``training.
picture_views``): format, size, aspect ratio, resampling and compression carry no label.

Protocol (``training/README.md``): fitted on corpus-train only → scored on the visible corpus, plain / laundered /
neutral (``unseen``); grouped 5-fold CV by source over both corpora (``grouped_cv``); the shipped model
(``ai_image_v2.json``) is refitted on both corpora. ``--choose`` scores the declared ``CANDIDATES``; the rounds tried
and their figures are in ``ai_image_candidates.md`` (copied into the card). Designs with latent-autoencoder pairs
(``Design.ae_weight``) need TAEF2's weights (``--taef2``, ``training.manipulations.latent_autoencoder``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training import picture_views
from training.calibration import Platt, fit_platt
from training.corpora import Row, read_both

ANALYZER_ID = "learned.ai_image"
MODEL_FILE = "ai_image_v2.json"
MODELS_DIR = Path(__file__).resolve().parents[1] / "src" / "veracity" / "models"
SCORED = ("image", "video", "face_video")  # categories whose files the analyzer scores (protocol file)
FITTED = ("image", "video")  # categories whose pictures train it
C_GRID = (0.0003, 0.001, 0.003, 0.01, 0.03)


@dataclass(frozen=True)
class Design:
    name: str
    spread: bool  # add the per-patch standard deviation to the mean
    ae_weight: float = 0.0  # > 0: aligned latent-autoencoder pairs of the reals (view ``ae``); each twin weighs this
    #                         much as one fake file of the corpus (its real member joins its file's pictures)


DESIGNS = {"mean": Design("mean", spread=False), "mean+spread": Design("mean+spread", spread=True),
           "mean+ae_pairs": Design("mean+ae_pairs", spread=False, ae_weight=1.0),
           "mean+ae_pairs_light": Design("mean+ae_pairs_light", spread=False, ae_weight=0.25)}
CHOSEN = "mean"  # train -> visible, plain / laundered image AUC: mean 0.70 / 0.73, mean+spread 0.67 / 0.68
# Issue 13's aligned-pairs idea, declared before any figure (2026-12-08): the shipped design against the same design
# trained with TAEF2 pairs at full and at a quarter weight; chosen by the mean train -> unseen AUC over plain /
# laundered / neutral of the image and video categories (a selection figure).
CANDIDATES = ("mean", "mean+ae_pairs", "mean+ae_pairs_light")


def picture_vector(patches: np.ndarray, design: Design) -> np.ndarray:
    from veracity.analyzers.learned.trunk import pooled

    x = pooled(patches)
    return x if design.spread else x[: x.size // 2]


@dataclass
class Data:
    """Training pictures (one row per damaged picture) of a set of files."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    key: list[str]  # the file each picture comes from
    group: list[str]


AE_SUFFIX = "#ae"  # key of a real file's autoencoded twins: "<file key>#ae" (same group, so the same folds)


def training_pictures(rows: Sequence[Row], design: Design, tag: str) -> Data:
    xs, ys, ws, keys, groups = [], [], [], [], []
    for row in rows:
        pictures = []
        for view in picture_views.wanted_views(row, ["aug"]):
            pictures += picture_views.load_view(row, view, tag) or []
        members: list[tuple[int, float, str, list[np.ndarray]]] = []
        if design.ae_weight and picture_views.wanted_views(row, ["ae"]):
            pairs = picture_views.load_view(row, "ae", tag)
            if pairs is None:
                raise RuntimeError(f"{row.key}: autoencoder pairs not extracted (picture_views --views ae)")
            pictures += pairs[0::2]
            members.append((1, design.ae_weight, row.key + AE_SUFFIX, pairs[1::2]))
        members.insert(0, (row.y, 1.0, row.key, pictures))
        for label, weight, key, member in members:
            for patches in member:
                xs.append(picture_vector(patches, design))
                ys.append(label)
                ws.append(weight / len(member))
                keys.append(key)
                groups.append(row.group)
    y = np.asarray(ys)
    w = np.asarray(ws)
    for label in (0, 1):  # each file weighs the same within its class, both classes the same
        w[y == label] *= 0.5 / w[y == label].sum()
    return Data(np.asarray(xs), y, w * len(w), keys, groups)


@dataclass
class Probe:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef + self.intercept


def fit_probe(data: Data, c: float) -> Probe:
    from sklearn.linear_model import LogisticRegression

    mean = data.x.mean(axis=0)
    scale = data.x.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=1000, tol=1e-4)
    model.fit((data.x - mean) / scale, data.y, sample_weight=data.weight)
    return Probe(mean, scale, model.coef_[0].copy(), float(model.intercept_[0]))


def file_logit(probe: Probe, pictures: list[np.ndarray], still: bool, design: Design) -> float | None:
    """The analyzer's score of one view before calibration: a still's logit, or a clip's frames combined."""
    from veracity.analyzers.learned.ai_image import clip_log_odds

    if not pictures:
        return None
    logits = probe.logits(np.stack([picture_vector(p, design) for p in pictures]))
    return float(logits[0]) if still else clip_log_odds(logits)


def oof_logits(rows: Sequence[Row], data: Data, c: float, design: Design, tag: str, folds: int = 5
               ) -> dict[str, float]:
    """Per-file out-of-fold logits on the files' training pictures (grouped folds by source), for Platt."""
    from training.protocol import grouped_folds

    out: dict[str, float] = {}
    row_of = {r.key: r for r in rows}
    members = grouped_folds([r.group for r in rows], folds)
    for test in members:
        held = {rows[int(i)].key for i in test}
        train = np.array([k.removesuffix(AE_SUFFIX) not in held for k in data.key])
        probe = fit_probe(_subset(data, train), c)
        for key in held:
            row = row_of[key]
            pictures = [p for v in picture_views.wanted_views(row, ["aug"])
                        for p in (picture_views.load_view(row, v, tag) or [])]
            if pictures:
                logits = probe.logits(np.stack([picture_vector(p, design) for p in pictures]))
                out[key] = float(np.mean(logits))
    return out


def _subset(data: Data, mask: np.ndarray) -> Data:
    y, w = data.y[mask], data.weight[mask].copy()
    for label in (0, 1):
        w[y == label] *= 0.5 / w[y == label].sum()
    return Data(data.x[mask], y, w * len(w), [k for k, m in zip(data.key, mask, strict=True) if m],
                [g for g, m in zip(data.group, mask, strict=True) if m])


@dataclass
class Fitted:
    probe: Probe
    platt: dict[str, Platt]  # "still" / "clip"
    c: float


def fit_calibrated(rows: Sequence[Row], design: Design, tag: str, c: float) -> Fitted:
    """Probe fitted on all ``rows``' training pictures; Platt (stills, clips) on their grouped out-of-fold logits.
    Memoised on disk by the rows, design, C and feature tag (``training.ai_video`` refits the same probes)."""
    import hashlib
    import pickle

    spec = json.dumps([__name__, sorted(r.key for r in rows), design.name, c, tag])
    key = hashlib.sha256(spec.encode()).hexdigest()[:20]
    memo = picture_views.CACHE / "fits" / f"ai_image-{key}.pickle"
    if memo.is_file():
        return pickle.loads(memo.read_bytes())  # type: ignore[no-any-return]  # noqa: S301 - our own cache
    fitted = _fit_calibrated(rows, design, tag, c)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_bytes(pickle.dumps(fitted))
    return fitted


def _fit_calibrated(rows: Sequence[Row], design: Design, tag: str, c: float) -> Fitted:
    fitted_rows = [r for r in rows if r.category in FITTED]
    data = training_pictures(fitted_rows, design, tag)
    oof = oof_logits(fitted_rows, data, c, design, tag)
    platt = {}
    for name, still in (("still", True), ("clip", False)):
        keys = [r for r in fitted_rows if (r.kind == "image") == still and r.key in oof]
        platt[name] = fit_platt([oof[r.key] for r in keys], [r.y for r in keys])
    return Fitted(fit_probe(data, c), platt, c)


def choose_c(rows: Sequence[Row], design: Design, tag: str) -> tuple[float, dict[float, float]]:
    """Regularisation by grouped CV inside ``rows`` (never the visible corpus): the C with the best mean AUC."""
    from training.metrics import auc

    fitted_rows = [r for r in rows if r.category in FITTED]
    data = training_pictures(fitted_rows, design, tag)
    figures = {}
    for c in C_GRID:
        oof = oof_logits(fitted_rows, data, c, design, tag)
        keys = [r for r in fitted_rows if r.key in oof]
        figures[c] = auc([r.y for r in keys], [oof[r.key] for r in keys]) or 0.5
    return max(figures, key=figures.__getitem__), figures


def score_views(fitted: Fitted, rows: Sequence[Row], variants: Sequence[str], design: Design, tag: str
                ) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {v: {} for v in variants}
    for row in rows:
        still = row.kind == "image"
        for variant in variants:
            pictures = picture_views.load_view(row, variant, tag)
            if pictures is None:
                continue
            logit = file_logit(fitted.probe, pictures, still, design)
            if logit is not None:
                out[variant][row.key] = fitted.platt["still" if still else "clip"].p(logit)
    return out


def grouped_cv(rows: Sequence[Row], variants: Sequence[str], design: Design, tag: str, c: float
               ) -> dict[str, dict[str, float]]:
    from training.protocol import row_folds

    folds = row_folds(rows)
    out: dict[str, dict[str, float]] = {v: {} for v in variants}
    for k in sorted(set(folds.values())):
        train = [r for r in rows if folds[r.key] != k]
        test = [r for r in rows if folds[r.key] == k]
        fitted = fit_calibrated(train, design, tag, c)
        for variant, scores in score_views(fitted, test, variants, design, tag).items():
            out[variant].update(scores)
        print(f"  grouped CV fold {k + 1}: {len(test)} files", file=sys.stderr)
    return out


def to_json(fitted: Fitted, design: Design, tag: str, note: dict[str, Any]) -> dict[str, Any]:
    from veracity.analyzers.learned import trunk

    return {"kind": "trunk_probe", "design": design.name, "spread": design.spread,
            "trunk": trunk.MODEL_NAME, "outputs": list(trunk.OUTPUTS),
            "image_patches": trunk.IMAGE_PATCHES, "frame_patches": trunk.FRAME_PATCHES,
            "video_frames": trunk.VIDEO_FRAMES, "c": fitted.c, "feature_tag": tag,
            "mean": [round(float(v), 7) for v in fitted.probe.mean],
            "scale": [round(float(v), 7) for v in fitted.probe.scale],
            "coef": [round(float(v), 7) for v in fitted.probe.coef],
            "intercept": round(fitted.probe.intercept, 7),
            "platt": {k: p.to_json() for k, p in fitted.platt.items()}, **note}


def main(argv: Sequence[str] | None = None) -> None:
    from training import corpora, protocol

    parser = argparse.ArgumentParser(prog="python -m training.ai_image", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--design", choices=sorted(DESIGNS), default=CHOSEN)
    parser.add_argument("--choose", action="store_true",
                        help="score every candidate design train → unseen (score files under build/protocol/choose/) "
                             "and stop")
    parser.add_argument("--choose-cv", action="store_true", help="with --choose: grouped CV of every candidate too")
    parser.add_argument("--candidates", nargs="+", choices=sorted(DESIGNS), default=list(CANDIDATES),
                        help="with --choose: the designs to score (default: the declared candidates)")
    parser.add_argument("--taef2", type=Path, default=None,
                        help="TAEF2's weights for the autoencoder-pair designs: a clone of madebyollin/taesd (read at "
                             "commit 5cccb12) or a folder holding taef2_encoder.pth and taef2_decoder.pth "
                             "(default: $VERACITY_TAESD, else .mirror/madebyollin+taesd/repo next to the repository)")
    parser.add_argument("--c", type=float, default=None, help="skip the regularisation search")
    parser.add_argument("--skip-extract", action="store_true")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / MODEL_FILE)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="score file of the model shipped before (e.g. build/protocol/baseline/...)")
    corpora.add_arguments(parser)
    args = parser.parse_args(argv)
    train_dir, unseen_dir = corpora.from_arguments(args)
    rows = read_both(train_dir, unseen_dir, categories=SCORED)
    started = time.perf_counter()
    designs = list(args.candidates) if args.choose else [args.design]
    pairs = any(DESIGNS[name].ae_weight for name in designs)
    if pairs:
        _locate_taef2(args.taef2)
    if not args.skip_extract:
        picture_views.run([r for r in rows if r.category in FITTED], ["aug", *(["ae"] if pairs else [])], args.jobs)
        picture_views.run(rows, list(protocol.VARIANTS), args.jobs)
    tag = picture_views.code_tag()
    train_rows = [r for r in rows if r.corpus == "train"]
    unseen_rows = [r for r in rows if r.corpus == "unseen"]
    for name in designs:
        design = DESIGNS[name]
        c, c_figures = (args.c, {}) if args.c else choose_c(train_rows, design, tag)
        print(f"{name}: C={c} (grouped CV on corpus-train: {c_figures})", file=sys.stderr)
        fitted = fit_calibrated(train_rows, design, tag, c)
        unseen = score_views(fitted, unseen_rows, protocol.VARIANTS, design, tag)
        if args.choose:
            _print_figures(name, unseen, unseen_rows)
            cv = grouped_cv(rows, protocol.VARIANTS, design, tag, c) if args.choose_cv else {}
            protocol.write_scores(ANALYZER_ID, unseen=unseen, grouped_cv=cv, meta={"design": name, "c": c},
                                  out_dir=protocol.PROTOCOL_DIR / "choose" / name)
            continue
        cv = grouped_cv(rows, protocol.VARIANTS, design, tag, c)
        protocol.write_scores(ANALYZER_ID, unseen=unseen, grouped_cv=cv,
                              meta={"design": name, "c": c, "c_grouped_cv_train": c_figures})
        shipped = fit_calibrated(rows, design, tag, c)
        args.out.write_text(json.dumps(to_json(shipped, design, tag, {"trained_on": "corpus-train + corpus"}))
                            + "\n", encoding="utf-8")
        from training.cards import record_sha256

        record_sha256(args.out)
        write_model_card(rows, {"design": name, "c": c, "c_grouped_cv_train": c_figures}, args.baseline,
                         time.perf_counter() - started)
        print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _locate_taef2(source: Path | None) -> None:
    """Check TAEF2's weights before any work (a clear ``WeightsMissing`` otherwise) and hand their place to the
    feature workers (``$VERACITY_TAESD``)."""
    import os

    from training.manipulations import latent_autoencoder

    where = source if source is not None else latent_autoencoder.default_source()
    latent_autoencoder.read_weights(where)
    os.environ[latent_autoencoder.ENV] = str(where.resolve())


def write_model_card(rows: Sequence[Row], meta: dict[str, Any], baseline: Path | None, seconds: float) -> None:
    """Card and metrics of the shipped model from the score file this run wrote (and the old model's, if given)."""
    from training import cards, protocol

    rounds = (Path(__file__).with_name("ai_image_candidates.md")).read_text(encoding="utf-8").strip()
    figures, old = cards.protocol_figures(ANALYZER_ID, rows, meta, baseline, seconds, "ai_image_v1, colour statistics")
    cards.write_metrics(MODELS_DIR / MODEL_FILE.replace(".json", ".metrics.json"), figures)
    size = (MODELS_DIR / MODEL_FILE).stat().st_size
    cards.write_card(MODELS_DIR / MODEL_FILE.replace(".json", ".md"), f"Model card: learned.ai_image ({MODEL_FILE})", {
        "Model": [
            "A linear probe (L2 logistic regression on standardised features, C chosen by grouped CV on "
            f"corpus-train: {meta['c']}) on the frozen ImageNet MobileNetV2 trunk (`mobilenetv2_trunk.onnx`, "
            "see its card). A still picture is read as 8 patches of 224 px at its own resolution on an even grid "
            "(no downscale of the picture); each patch gives the trunk's global-average-pooled activations at six "
            "depths (1768 numbers); the picture's vector is their mean and standard deviation over the patches "
            f"(design `{meta['design']}`). A video: 4 frames of the default sampling, 4 patches each, frame "
            "log-odds combined by `clip_log_odds`. Platt scaling (stills, clips) fitted on grouped out-of-fold "
            "scores.",
        ],
        "Training data": [
            "The shipped model: every `image` file and 3 frames of every `video` clip of corpus-train (90 "
            "sources) and of the visible corpus (36 other sources); each still damaged 3 times and each frame "
            "twice at random, the same way for both classes (`random_picture_damage`: half the draws a crop, "
            "downscale to 512–1024 px and JPEG q70–95, half a crop at native resolution saved as JPEG q70–100 or "
            "losslessly).",
        ],
        "Split": [
            "Design and C chosen by fitting on corpus-train only and scoring the visible corpus (`--choose`; "
            "that figure chose the design, so it is not a test). Reported: train → unseen (fitted on corpus-train "
            "only, Platt from corpus-train out-of-fold scores) and grouped 5-fold CV by `source_repo` over both "
            "corpora; then the model is refitted on both corpora.",
        ],
        "Protocol figures": [protocol.markdown(figures["protocol"]), old],
        "Sizes and speed": [
            f"Probe JSON {size:,} B; trunk 8,860,574 B (float32 ONNX, shared). Per picture 8 trunk passes of "
            "224² px whatever its size (`bench/learned_speed.py`). Cold training (features + fits) "
            f"{seconds / 60:.0f} min on this 2-core machine (features cached under ~/.cache/veracity/features).",
        ],
        "Known failures": [
            "An ImageNet object network's features, not a forensic one: it reads texture statistics of patches "
            "and can follow content (graphics, portraits, food) as much as generation traces. Strong "
            "compression, screenshots and heavy resizing erase what it reads. Generators and cameras absent "
            "from both corpora may score anywhere.",
        ],
        "Candidates tried": rounds,
    })


def _print_figures(name: str, unseen: dict[str, dict[str, float]], rows: Sequence[Row]) -> None:
    from training.metrics import auc

    for variant, scores in unseen.items():
        parts = []
        for category in SCORED:
            present = [r for r in rows if r.category == category and r.key in scores]
            value = auc([r.y for r in present], [scores[r.key] for r in present])
            parts.append(f"{category} {value:.3f}" if value is not None else f"{category} –")
        print(f"  {name} {variant}: " + ", ".join(parts), file=sys.stderr)


if __name__ == "__main__":
    main()
