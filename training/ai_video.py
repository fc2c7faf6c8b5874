"""Train ``learned.ai_video``: temporal features of a clip plus ``learned.ai_image``'s frame score, one logistic model.

    .venv/bin/python -m training.ai_video [--jobs 2] [--choose]

Features of a clip (``training.clip_views``): the flow-warp residual / flicker family of ``_temporal``
(``RESIDUAL``), the per-depth drift of the MobileNetV2 trunk's features between consecutive frames
(``trunk.consistency_features``) and the still-frame probe's clip score and frame spread (``STILL``), read with
the ``learned.ai_image`` probe of the same fit (train-only for *unseen*, the fold's for grouped CV, the shipped one
for the shipped model, whose sha256 this model records). Fitted on the ``video`` category, each clip re-encoded
``CLIP_AUGS`` times at random (start, length, fps, crop, size, CRF), both classes alike. Clips where a face fills
the frame are left out and abstained on (``learned.face_video_temporal`` reads them): the face gate of
``_face_temporal``.
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

from training import ai_image as image
from training import clip_views, picture_views
from training.calibration import Platt, fit_platt
from training.corpora import Row, read_both

ANALYZER_ID = "learned.ai_video"
MODEL_FILE = "ai_video_v2.json"
MODELS_DIR = Path(__file__).resolve().parents[1] / "src" / "veracity" / "models"
SCORED = ("video", "face_video")
FITTED = ("video",)
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
RESIDUAL = ("warp_explained", "hf_residual", "lf_flicker", "chroma_flicker")


def temporal_columns() -> list[int]:
    from veracity.analyzers.learned import _temporal

    names = _temporal.temporal_feature_names()
    return [i for i, n in enumerate(names) if n.rsplit("_", 1)[0] in RESIDUAL]


DESIGNS = ("residual+still", "residual+drift+still", "drift+still")
# train -> visible video AUC plain / laundered: 0.80 / 0.78; with drift 0.78 / 0.77; drift+still 0.79 / 0.76
CHOSEN = "residual+still"


def feature_names(design: str) -> list[str]:
    from veracity.analyzers.learned import _temporal
    from veracity.analyzers.learned.trunk import consistency_names

    names = []
    if "residual" in design:
        names += [_temporal.temporal_feature_names()[i] for i in temporal_columns()]
    if "drift" in design:
        names += consistency_names()
    return [*names, "still_clip_logit", "still_frame_spread"]


def clip_vector(view: dict[str, np.ndarray], probe: image.Probe, design: str) -> np.ndarray:
    from veracity.analyzers.learned import _temporal

    parts = []
    if "residual" in design:
        parts.append(view["temporal"][temporal_columns()])
    if "drift" in design:
        parts.append(view["consistency"])
    frame_logits = probe.logits(np.stack([image.picture_vector(p, image.DESIGNS[image.CHOSEN])
                                          for p in view["still"]]))
    parts.append(_temporal.still_features(frame_logits))
    return np.concatenate(parts)


def usable(view: dict[str, np.ndarray] | None) -> bool:
    """The analyzer would score this copy: enough distinct frames and no face filling the frame."""
    from veracity.analyzers.learned._face_temporal import DOMINANT_FACE_FRACTION

    if view is None or "temporal" not in view:
        return False
    fraction = float(view["face_fraction"][0])
    return not (np.isfinite(fraction) and fraction > DOMINANT_FACE_FRACTION)


@dataclass
class VideoModel:
    names: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, x: np.ndarray) -> float:
        return float(((x - self.mean) / self.scale) @ self.coef + self.intercept)


def training_set(rows: Sequence[Row], probe: image.Probe, design: str, tag: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    xs, ys, ws, keys = [], [], [], []
    for row in rows:
        views = [clip_views.load_view(row, v, tag) for v in clip_views.wanted_views(row, ["aug"])]
        good = [v for v in views if usable(v)]
        for view in good:
            assert view is not None
            xs.append(clip_vector(view, probe, design))
            ys.append(row.y)
            ws.append(1.0 / len(good))
            keys.append(row.key)
    y, w = np.asarray(ys), np.asarray(ws)
    for label in (0, 1):
        w[y == label] *= 0.5 / w[y == label].sum()
    return np.asarray(xs), y, w * len(w), keys


def fit_model(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float, names: list[str]) -> VideoModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=3000).fit((x - mean) / scale, y, sample_weight=w)
    return VideoModel(names, mean, scale, model.coef_[0].copy(), float(model.intercept_[0]))


@dataclass
class Fitted:
    image: image.Fitted
    model: VideoModel
    platt: Platt
    c: float


def fit_calibrated(rows: Sequence[Row], design: str, tag: str, c: float, picture_tag: str, c_image: float) -> Fitted:
    """The image probe, then the clip model on all ``rows``; Platt on grouped out-of-fold clip logits."""
    from training.protocol import grouped_folds

    still = image.fit_calibrated(rows, image.DESIGNS[image.CHOSEN], picture_tag, c_image)
    fitted_rows = [r for r in rows if r.category in FITTED]
    x, y, w, keys = training_set(fitted_rows, still.probe, design, tag)
    oof: dict[str, float] = {}
    for test in grouped_folds([r.group for r in fitted_rows]):
        held = {fitted_rows[int(i)].key for i in test}
        mask = np.array([k not in held for k in keys])
        model = fit_model(x[mask], y[mask], _rebalanced(y[mask], w[mask]), c, feature_names(design))
        for i in np.flatnonzero(~mask):
            oof.setdefault(keys[i], 0.0)
            oof[keys[i]] += model.logit(x[i]) / keys.count(keys[i])
    labelled = [r for r in fitted_rows if r.key in oof]
    platt = fit_platt([oof[r.key] for r in labelled], [r.y for r in labelled])
    return Fitted(still, fit_model(x, y, w, c, feature_names(design)), platt, c)


def _rebalanced(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w.copy()
    for label in (0, 1):
        w[y == label] *= 0.5 / w[y == label].sum()
    return w * len(w)


def score_views(fitted: Fitted, rows: Sequence[Row], variants: Sequence[str], design: str, tag: str
                ) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {v: {} for v in variants}
    for row in rows:
        for variant in variants:
            view = clip_views.load_view(row, variant, tag)
            if usable(view):
                assert view is not None
                out[variant][row.key] = fitted.platt.p(fitted.model.logit(clip_vector(view, fitted.image.probe,
                                                                                     design)))
    return out


def choose_c(rows: Sequence[Row], design: str, tag: str, picture_tag: str, c_image: float
             ) -> tuple[float, dict[float, float]]:
    from training.metrics import auc
    from training.protocol import grouped_folds

    fitted_rows = [r for r in rows if r.category in FITTED]
    probe = image.fit_calibrated(rows, image.DESIGNS[image.CHOSEN], picture_tag, c_image).probe
    x, y, w, keys = training_set(fitted_rows, probe, design, tag)
    figures = {}
    for c in C_GRID:
        oof: dict[str, list[float]] = {}
        for test in grouped_folds([r.group for r in fitted_rows]):
            held = {fitted_rows[int(i)].key for i in test}
            mask = np.array([k not in held for k in keys])
            model = fit_model(x[mask], y[mask], _rebalanced(y[mask], w[mask]), c, feature_names(design))
            for i in np.flatnonzero(~mask):
                oof.setdefault(keys[i], []).append(model.logit(x[i]))
        labelled = [r for r in fitted_rows if r.key in oof]
        figures[c] = auc([r.y for r in labelled], [float(np.mean(oof[r.key])) for r in labelled]) or 0.5
    return max(figures, key=figures.__getitem__), figures


def to_json(fitted: Fitted, design: str, image_sha256: str) -> dict[str, Any]:
    """``_tabular.TabularModel``'s logistic JSON; the Platt scaling folded in as its ``calibration``."""
    return {"kind": "logistic", "design": design, "feature_names": fitted.model.names,
            "still_model_sha256": image_sha256, "c": fitted.c,
            "mean": [round(float(v), 7) for v in fitted.model.mean],
            "scale": [round(float(v), 7) for v in fitted.model.scale],
            "coef": [round(float(v), 7) for v in fitted.model.coef], "intercept": round(fitted.model.intercept, 7),
            "calibration": {"scale": fitted.platt.scale, "offset": fitted.platt.offset}}


def write_model_card(rows: Sequence[Row], meta: dict[str, Any], baseline: Path | None, seconds: float) -> None:
    from training import cards, protocol

    figures, old = cards.protocol_figures(ANALYZER_ID, rows, meta, baseline, seconds, "ai_video_v1")
    cards.write_metrics(MODELS_DIR / MODEL_FILE.replace(".json", ".metrics.json"), figures)
    names = feature_names(meta["design"])
    cards.write_card(MODELS_DIR / MODEL_FILE.replace(".json", ".md"), f"Model card: learned.ai_video ({MODEL_FILE})", {
        "Model": [
            f"L2 logistic regression (C = {meta['c']}, chosen by grouped CV on corpus-train) over {len(names)} "
            f"clip features (design `{meta['design']}`): {', '.join(f'`{n}`' for n in names)}. The temporal "
            "ones are `_temporal`'s flow-warp residual and flicker (median and p90 over frame pairs of up to 24 "
            "distinct frames on an 8 fps grid); `drift_*` is `trunk.consistency_features` (how far the frozen "
            "MobileNetV2 features of the central 224-px crop move between consecutive frames, per depth); "
            "`still_*` is `learned.ai_image`'s clip score and frame spread with the probe it ships with (its "
            "sha256 is recorded; a different ai_image model makes this one abstain). Platt scaling on grouped "
            "out-of-fold scores. It abstains on clips where a face fills the frame (`learned.face_video_temporal` "
            "reads those) and on clips with fewer than 6 distinct frames.",
        ],
        "Training data": [
            "The shipped model: every `video` clip of corpus-train (90 sources) and of the visible corpus, each "
            "re-encoded once at random (`random_launder_video`: random start, 1.5–3 s, 6–30 fps, crop, size, "
            "CRF 20–32), both classes alike; face-filled copies left out.",
        ],
        "Split": [
            "Design and C chosen on corpus-train → visible corpus (that figure chose it: not a test). Reported: "
            "train → unseen and grouped 5-fold CV by `source_repo` over both corpora (folds shared with "
            "`learned.ai_image`, whose probe is refitted inside each fold); then refitted on both corpora.",
        ],
        "Protocol figures": [protocol.markdown(figures["protocol"]), old],
        "Sizes and speed": [
            f"JSON {(MODELS_DIR / MODEL_FILE).stat().st_size:,} B; reads the shared 8.9 MB trunk. Per clip: 24 "
            "analysis frames for the flow features, 12 central crops and 4 × 4 frame patches through the trunk "
            f"(`bench/learned_speed.py`). Training (after the image model) {seconds / 60:.0f} min here.",
        ],
        "Known failures": [
            "Trained on ~100 generated clips of 2023–2024 text-to-video models (mostly short GIFs) and ordinary "
            "camera footage; recent DiT video models with strong temporal layers, screen recordings, animation, "
            "heavy compression and static shots are outside what it has seen. Face-filled clips: abstains.",
        ],
    })


def main(argv: Sequence[str] | None = None) -> None:
    from training import corpora, protocol

    parser = argparse.ArgumentParser(prog="python -m training.ai_video", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--design", choices=DESIGNS, default=CHOSEN)
    parser.add_argument("--choose", action="store_true")
    parser.add_argument("--c", type=float, default=None)
    parser.add_argument("--c-image", type=float, default=None,
                        help="the image probe's C (default: the one training.ai_image chose, from its JSON)")
    parser.add_argument("--skip-extract", action="store_true")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / MODEL_FILE)
    parser.add_argument("--baseline", type=Path, default=None, help="score file of the model shipped before")
    corpora.add_arguments(parser)
    args = parser.parse_args(argv)
    train_dir, unseen_dir = corpora.from_arguments(args)
    if args.c_image is None:
        args.c_image = float(json.loads((MODELS_DIR / image.MODEL_FILE).read_text(encoding="utf-8"))["c"])
    rows = read_both(train_dir, unseen_dir, categories=sorted({*image.SCORED, *SCORED}))
    clip_rows = [r for r in rows if r.category in SCORED]
    started = time.perf_counter()
    if not args.skip_extract:
        clip_views.run([r for r in clip_rows if r.category in FITTED], ["aug"], args.jobs)
        clip_views.run(clip_rows, list(protocol.VARIANTS), args.jobs)
    tag, picture_tag = clip_views.code_tag(), picture_views.code_tag()
    train_rows = [r for r in rows if r.corpus == "train"]
    designs = DESIGNS if args.choose else (args.design,)
    for design in designs:
        c, figures = (args.c, {}) if args.c else choose_c(train_rows, design, tag, picture_tag, args.c_image)
        print(f"{design}: C={c} (grouped CV on corpus-train: {figures})", file=sys.stderr)
        fitted = fit_calibrated(train_rows, design, tag, c, picture_tag, args.c_image)
        unseen_rows = [r for r in clip_rows if r.corpus == "unseen"]
        unseen = score_views(fitted, unseen_rows, protocol.VARIANTS, design, tag)
        if args.choose:
            image._print_figures(design, unseen, unseen_rows)
            continue
        cv: dict[str, dict[str, float]] = {v: {} for v in protocol.VARIANTS}
        folds = protocol.row_folds(rows)
        for k in sorted(set(folds.values())):
            fold_fit = fit_calibrated([r for r in rows if folds[r.key] != k], design, tag, c, picture_tag,
                                      args.c_image)
            for variant, scores in score_views(fold_fit, [r for r in clip_rows if folds[r.key] == k],
                                               protocol.VARIANTS, design, tag).items():
                cv[variant].update(scores)
        protocol.write_scores(ANALYZER_ID, unseen=unseen, grouped_cv=cv, meta={"design": design, "c": c})
        shipped = fit_calibrated(rows, design, tag, c, picture_tag, args.c_image)
        from training.cards import record_sha256

        image_file = MODELS_DIR / image.MODEL_FILE
        args.out.write_text(json.dumps(to_json(shipped, design, record_sha256(image_file))) + "\n",
                            encoding="utf-8")
        record_sha256(args.out)
        write_model_card(rows, {"design": design, "c": c, "c_grouped_cv_train": figures}, args.baseline,
                         time.perf_counter() - started)
        print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
