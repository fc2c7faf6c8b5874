"""Train ``learned.face_video_temporal`` under the fixed protocol (``training/README.md``) and ship it.

    python -m training.train_face_video_temporal [--train-corpus ../corpus-train] [--unseen-corpus ../shared/corpus]

The model: logistic regression over the face-vs-background temporal features of
``veracity/analyzers/learned/_face_temporal.py`` (motion-compensated residual, flicker, sensor noise inside the face
box and in the background, their differences, head-motion smoothness), measured on the analyzer's frames.

Data hygiene: the fit never sees a corpus file as it is. Every clip is fitted through ``LAUNDERS`` randomised,
*normalising* launderings (``training/_laundering.py`` with a resolution bottleneck: random start, 1.5–3 s, 6–30
fps, random crop of aspect 1:2..2:1, a random intermediate size of 160–512 px and an output of 256–640 px, up- or
down-scaled, H.264 CRF 20–32), so the corpus-train fakes' square 256–512 px crops, their fps and their length are
not learnable; the shortcut checks in the metrics prove it on the same rows.

Protocol: candidates (``CANDIDATES``, declared before looking) are fitted on corpus-train only and scored on the
visible corpus (plain, laundered, neutral); the chosen one is the best mean face_video AUC over the three variants
(a figure used to choose, so not a test). Unseen p is Platt-calibrated on corpus-train out-of-fold scores (folds
by source). Grouped CV by ``source_repo`` over both corpora gives ``grouped_cv``. The shipped model is fitted on
both corpora, calibrated on the grouped-CV out-of-fold scores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from training import _face_protocol as fp
from training.cards import record_sha256

SEED = 20263
LAUNDERS = 2
BOTTLENECK_PX = (160, 512)
RANDOM_SPAN_S = 5.0
RANDOM_RECIPE = "r1"  # random launderings start within the first seconds of the clip
MODEL_NAME = "face_video_temporal_v2"
ANALYZER_ID = "learned.face_video_temporal"
REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "src" / "veracity" / "models"
CATEGORIES = ("face_video",)  # the visible corpus's `video` clips with a face are not measured (time)
PREVIOUS_MODEL = "37ce896"  # the model shipped before issue 13, measured the same way

# Declared before looking at the visible corpus: (C, feature family).
CANDIDATES: dict[str, tuple[float, str]] = {
    "regions_c0.1": (0.1, "regions"),  # the design shipped before (every feature but face size)
    "regions_c0.01": (0.01, "regions"),  # stronger shrinkage: fewer source-specific weights
    "diff_motion_c0.1": (0.1, "diff+motion"),  # face-minus-background and head motion only
}


def _measure(path: Path) -> tuple[list[float] | None, dict[str, float]]:
    from veracity.analyzers.learned import _face_temporal, _temporal
    from veracity.media.probe import probe

    info = probe(path)
    meta = fp.media_meta(info, path)
    clip = _temporal.read_clip(info)
    if len(clip.time_s) < _temporal.MIN_FRAMES:
        return None, meta
    boxes = _face_temporal.face_boxes(clip.rgb_small)
    meta["face_fraction"] = _face_temporal.gate_fraction(boxes)
    if meta["face_fraction"] < _face_temporal.MIN_FACE_FRACTION:
        return None, meta
    features, _ = _face_temporal.region_features(clip.rgb_small, boxes)
    return features.tolist(), meta


def _job(job: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Features of one file for one protocol variant, or (``"random"``) of ``LAUNDERS`` random launderings."""
    from veracity.media.damage import decoded_start, random_launder_video
    from veracity.media.probe import probe

    path, key, variant = job
    if variant != "random":
        try:
            x, meta = _measure(fp.variant_source(path, variant))
        except Exception as exc:  # noqa: BLE001 - an undecodable copy: the analyzer would fail, not score
            print(f"  {key} {variant}: {type(exc).__name__}: {exc}", flush=True)
            x, meta = None, {}
        return [{"variant": variant, "x": x, "meta": meta}]
    out = []
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "little") ^ SEED)
    frames = decoded_start(probe(Path(path)), max_span_s=RANDOM_SPAN_S, max_side_px=640)
    with tempfile.TemporaryDirectory() as folder:
        for i in range(LAUNDERS):
            dst = Path(folder) / f"random{i}.mp4"
            drawn = random_launder_video(frames, str(dst), rng, bottleneck_px=BOTTLENECK_PX)
            x, meta = _measure(dst)
            meta["crf"] = float(drawn["crf"])
            out.append({"variant": "random", "x": x, "meta": meta})
    return out


def code_version(variant: str) -> str:
    from veracity.analyzers.learned import _face_temporal, _temporal

    parts = [Path(_temporal.__file__).read_bytes(), Path(_face_temporal.__file__).read_bytes()]
    if variant == "random":  # the random launderings' version (bump when random_launder_video changes)
        recipe = f"{RANDOM_RECIPE}-{LAUNDERS}-{SEED}-{BOTTLENECK_PX[0]}-{BOTTLENECK_PX[1]}-{RANDOM_SPAN_S}"
    else:
        recipe = fp.recipe_version(variant)
    return hashlib.sha256(b"".join(parts)).hexdigest()[:12] + f"-{variant}-{recipe}"


Data = list[tuple[str, str, "np.ndarray | None", dict]]


def extract(rows: list[fp.Row], jobs: int, cache: Path, variants: tuple[str, ...] = fp.VARIANTS,
            cached_only: bool = False) -> Data:
    """(variant, key, features, meta) for every row: "plain" for all; corpus-train clips the analyzer does not
    abstain on get ``LAUNDERS`` random launderings (the fit rows); visible-corpus clips get the other protocol
    variants. Cached by the file's sha256, the variant and the code/recipe."""
    cache.mkdir(parents=True, exist_ok=True)
    out: Data = []

    def run(todo: list[tuple[fp.Row, str]]) -> None:
        def target(row: fp.Row, variant: str) -> Path:
            return cache / f"{row.manifest.sha256[:20]}-{code_version(variant)}.json"

        missing = [(r, v) for r, v in todo if not target(r, v).is_file()]
        if cached_only:
            todo = [(r, v) for r, v in todo if target(r, v).is_file()]
        elif missing:
            print(f"measuring {len(missing)} clip variants ({jobs} processes)", flush=True)
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                work = [(str(r.path), r.key, v) for r, v in missing]
                for (row, variant), result in zip(missing, pool.map(_job, work), strict=True):
                    target(row, variant).write_text(json.dumps(result))
        for row, variant in todo:
            out.extend((e["variant"], row.key, None if e["x"] is None else np.asarray(e["x"]), e["meta"])
                       for e in json.loads(target(row, variant).read_text()))

    unseen = [r for r in rows if r.corpus == "unseen"]
    run([(r, "plain") for r in sorted(rows, key=lambda r: r.corpus != "unseen")])
    measured = {k for v, k, x, _ in out if v == "plain" and x is not None}
    run([(r, "random") for r in rows if r.key in measured and r.corpus == "train"])
    for variant in variants:
        if variant != "plain":
            run([(r, variant) for r in unseen])
    return out


def columns(candidate: str) -> np.ndarray:
    from veracity.analyzers.learned._face_temporal import feature_names

    family = CANDIDATES[candidate][1]

    def wanted(name: str) -> bool:
        if name == "face_fraction":
            return False
        return family == "regions" or name.startswith(("diff_", "noise_", "head_"))

    return np.array([i for i, n in enumerate(feature_names()) if wanted(n)])


def fit(candidate: str, x: np.ndarray, y: np.ndarray, files: list[str]) -> Any:
    """Standardised logistic regression; each file weighs the same within its class, both classes the same."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    counts: dict[str, int] = defaultdict(int)
    for f in files:
        counts[f] += 1
    weights = np.array([1.0 / counts[f] for f in files])
    for label in (0, 1):
        weights[y == label] *= 0.5 / weights[y == label].sum()
    model = make_pipeline(StandardScaler(), LogisticRegression(C=CANDIDATES[candidate][0], max_iter=5000))
    model.fit(x[:, columns(candidate)], y, logisticregression__sample_weight=weights)
    return model


def logit(model: Any, candidate: str, x: np.ndarray) -> float:
    return float(model.decision_function(x[None, columns(candidate)])[0])


def fit_rows_of(data: Data, rows: dict[str, fp.Row]) -> list[tuple[str, np.ndarray]]:
    """The rows models are fitted on: corpus-train's random launderings and, for fits that may use the visible
    corpus (grouped CV, the shipped model), its neutral copies (fixed size, square, 8 fps: no shortcut left)."""
    return [(k, x) for v, k, x, _ in data if x is not None
            and ((v == "random" and rows[k].corpus == "train") or (v == "neutral" and rows[k].corpus == "unseen"))]


def run_protocol(candidate: str, rows: dict[str, fp.Row], data: list, train_keys: set[str], scored: set[str],
                 folds: int) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], tuple[float, float]]:
    """(unseen p per variant, grouped-CV p per variant, grouped-CV Platt) for one candidate."""
    fit_rows = fit_rows_of(data, rows)

    def fit_on(keep: set[str]) -> Any:
        chosen = [(k, x) for k, x in fit_rows if k in keep]
        return fit(candidate, np.stack([x for _, x in chosen]), np.array([rows[k].y for k, _ in chosen]),
                   [k for k, _ in chosen])

    def fold_models(keys: set[str]) -> Iterator[tuple[Any, set[str], list[float], list[int]]]:
        """Per source fold of ``keys``: the model fitted without it, the keys it held out, and the out-of-fold
        logits and labels of their random launderings."""
        fold_of = fp.group_folds([rows[k] for k in keys], folds)
        for fold in range(folds):
            held = {k for k in keys if fold_of[rows[k].group] == fold}
            if len({rows[k].y for k in keys - held}) < 2:
                continue
            model = fit_on(keys - held)
            chosen = [(k, x) for k, x in fit_rows if k in held]
            yield model, held, [logit(model, candidate, x) for _, x in chosen], [rows[k].y for k, _ in chosen]

    def oof_random(keys: set[str]) -> tuple[list[float], list[int]]:
        z, y = [], []
        for _, _, fold_z, fold_y in fold_models(keys):
            z += fold_z
            y += fold_y
        return z, y

    # train -> unseen: fit on corpus-train; Platt from corpus-train out-of-fold scores.
    scale, offset = fp.platt(*oof_random(train_keys))
    model = fit_on(train_keys)
    unseen: dict[str, dict[str, float]] = {v: {} for v in fp.VARIANTS}
    for v, k, x, _ in data:
        if v in unseen and x is not None and k in scored and rows[k].corpus == "unseen":
            unseen[v][k] = fp.sigmoid(scale * logit(model, candidate, x) + offset)
    # grouped CV over both corpora.
    cv_logit: dict[str, dict[str, float]] = {v: {} for v in fp.VARIANTS}
    z_rand, y_rand = [], []
    for model, held, fold_z, fold_y in fold_models({k for k, _ in fit_rows}):
        z_rand += fold_z
        y_rand += fold_y
        for v, k, x, _ in data:
            if k in held and x is not None and v in cv_logit:
                cv_logit[v][k] = logit(model, candidate, x)
    cv_platt = fp.platt(z_rand, y_rand)
    cv = {v: {k: fp.sigmoid(cv_platt[0] * z + cv_platt[1]) for k, z in per.items()} for v, per in cv_logit.items()}
    return unseen, cv, cv_platt


def previous_scores(rows: dict[str, fp.Row], data: list) -> dict[str, dict[str, float]]:
    """The model shipped before issue 13 (commit ``PREVIOUS_MODEL``) on the same unseen rows (its features are
    the same code)."""
    import subprocess

    from veracity.analyzers.learned._face_temporal import feature_names
    from veracity.analyzers.learned._tabular import TabularModel

    spec = f"{PREVIOUS_MODEL}:src/veracity/models/face_video_temporal_v1.json"
    text = subprocess.run(["git", "-C", str(REPO), "show", spec], check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        handle.write(text)
        handle.flush()
        old = TabularModel.from_json(Path(handle.name))
    out: dict[str, dict[str, float]] = {v: {} for v in fp.VARIANTS}
    for v, k, x, _ in data:
        if v in out and x is not None and rows[k].corpus == "unseen":
            out[v][k] = fp.sigmoid(float(old.log_odds_named(x, feature_names())[0]))
    return out


def model_card(summary: dict[str, Any]) -> str:
    from veracity.analyzers.learned._face_temporal import FACE_PX, MIN_FACE_FRACTION

    weights = sorted(summary["weights"].items(), key=lambda kv: -abs(kv[1]))
    c, family = CANDIDATES[summary["chosen"]]
    lines = [
        f"# Model card: {MODEL_NAME} (`{ANALYZER_ID}`)", "",
        f"Face-clip temporal detector: logistic regression (C={c}, standardised inputs; feature family "
        f"`{family}`, {summary['n_features']} features) over the face-vs-background temporal features of "
        "`_face_temporal.py`, measured on up to 24 distinct frames from the start of the clip (8 fps grid, the "
        f"frames `learned.ai_video` reads), rescaled so the face box's longer side is {FACE_PX} px: motion-"
        "compensated high-frequency residual, brightness and colour flicker, share of change explained by motion "
        "and sensor-noise level inside the face box and in the background, their differences, the steadiness "
        "and coupling of the noise, and the head's motion relative to the background. Stored as JSON, evaluated "
        f"in numpy (`_tabular.py`). The analyzer abstains below {MIN_FACE_FRACTION:.1%} face area or fewer than 6 "
        "distinct frames. Speed: about 1–2 s per clip on one core (decoding 24 frames, BlazeFace, optical flow), "
        "a real-time factor of ≤ 0.2 on clips of ≥ 10 s.", "",
        "Weights after calibration (log-odds per standard deviation; positive = towards synthetic): "
        + ", ".join(f"`{n}` {w:+.2f}" for n, w in weights[:12]) + ", ….", "",
        "## Training data and hygiene", "",
        f"Shipped model: the `face_video` clips of corpus-train (90 sources) and of the visible corpus on which the "
        f"analyzer does not abstain ({summary['files_fit']} clips). Corpus-train clips are fitted only through "
        f"{LAUNDERS} random *normalising* launderings each (`veracity.media.damage.random_launder_video`, "
        f"`bottleneck_px={tuple(summary['bottleneck_px'])}`: random start, 1.5–3 s, 6–30 fps, random crop of "
        "aspect 1:2..2:1, a random intermediate size of 160–512 px and an output of 256–640 px up- or "
        "down-scaled whatever the source's size, H.264 CRF 20–32), so corpus-train's square 256–512 px fake "
        "crops, their frame rate and their length carry nothing; visible-corpus clips enter the shipped fit "
        "through their neutral copies "
        "(square, fixed size, 8 fps, first 5 s). Each file weighs the same, both classes weigh the same. Platt "
        "scaling from the grouped-CV out-of-fold scores. `make train` recreates it (seed "
        f"{SEED}; {summary['seconds'] / 60:.1f} min with features cached).", "",
        fp.card_tables(summary),
        "## Known failures", "",
        "- Far from the issue's target on unseen sources (AUC ≥ 0.85, real FPR ≤ 5 % at the default threshold): "
        "see the tables; a weak signal for the fusion, not a verdict.",
        "- Small data: corpus-train has 35 real and 52 fake face clips from 10 sources (AniTalker, EDTalk, "
        "SadTalker-Video-Lip-Sync, Wav2Lip fakes); the visible corpus's generators (SadTalker, MuseV, DFDC/FF++ "
        "swaps, GeneFace, SyncTalk) are other methods.",
        "- A flat or blurred background (studio walls) leaves the background features nothing to measure; "
        "profiles and fast head turns move the face out of the median box; heavy compression smooths both "
        "regions alike.",
        "- Only `face_video` clips were measured for the protocol (the `video` clips with a face were left out "
        "for time).",
        "",
        f"sha256 of `{MODEL_NAME}.json`: `{summary['sha256']}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    fp.add_corpus_arguments(parser)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "veracity" / "face_video_temporal_v2")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--cached-only", action="store_true", help="use only features already cached (a dry run)")
    args = parser.parse_args()
    from veracity.analyzers.learned._face_temporal import feature_names
    from veracity.analyzers.learned._tabular import TabularModel

    started = time.perf_counter()
    all_rows = [r for r in fp.read_rows(args) if r.category in CATEGORIES]
    rows = {r.key: r for r in all_rows}
    data = extract(all_rows, args.jobs, args.cache, cached_only=args.cached_only)
    print(f"features: {sum(x is not None for _, _, x, _ in data)} vectors ({time.perf_counter() - started:.0f} s)")
    train_keys = {k for v, k, x, _ in data if v == "random" and x is not None and rows[k].corpus == "train"}
    scored = {k for v, k, x, _ in data if x is not None}
    metas = {(v, k): m for v, k, _, m in data}
    results: dict[str, Any] = {}
    for candidate in CANDIDATES:
        unseen, cv, cv_platt = run_protocol(candidate, rows, data, train_keys, scored, args.folds)
        results[candidate] = {"unseen": unseen, "grouped_cv": cv, "platt": cv_platt}
    choice = {c: float(np.mean([fp.auc_of(rows, r["unseen"][v], "face_video") or 0.5 for v in fp.VARIANTS]))
              for c, r in results.items()}
    chosen = max(choice, key=choice.__getitem__)
    print("choice (mean face_video AUC over variants, train -> unseen):", json.dumps(choice), "->", chosen)
    fp.write_scores(ANALYZER_ID, results[chosen]["unseen"], results[chosen]["grouped_cv"])

    # Ship: fit on both corpora, Platt from the grouped-CV out-of-fold scores.
    fit_rows = fit_rows_of(data, rows)
    model = fit(chosen, np.stack([x for _, x in fit_rows]), np.array([rows[k].y for k, _ in fit_rows]),
                [k for k, _ in fit_rows])
    names = [feature_names()[i] for i in columns(chosen)]
    scaler, logistic = model.steps[0][1], model.steps[1][1]
    scale, offset = results[chosen]["platt"]
    spec = {"kind": "logistic", "feature_names": names, "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(), "coef": logistic.coef_[0].tolist(),
            "intercept": float(logistic.intercept_[0]),
            "calibration": {"scale": scale, "offset": offset, "fitted_on": "grouped-CV out-of-fold scores"},
            "trained_on": {"files": len({k for k, _ in fit_rows}), "vectors": len(fit_rows), "seed": SEED,
                           "launders": LAUNDERS, "corpora": ["corpus-train", "corpus"]}}
    model_path = args.out / f"{MODEL_NAME}.json"
    model_path.write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    x_check = np.stack([x for _, x in fit_rows[:20]])
    assert np.allclose(TabularModel.from_json(model_path).log_odds_named(x_check, feature_names()),
                       scale * model.decision_function(x_check[:, columns(chosen)]) + offset, atol=1e-6)
    summary = fp.summarise(ANALYZER_ID, rows, results, chosen, choice, metas, previous_scores(rows, data))
    summary.update({"model": MODEL_NAME, "sha256": record_sha256(model_path), "n_features": len(names),
                    "weights": dict(zip(names, (logistic.coef_[0] * scale).round(4).tolist(), strict=True)),
                    "seconds": round(time.perf_counter() - started, 1), "launders": LAUNDERS,
                    "bottleneck_px": BOTTLENECK_PX})
    summary["files_fit"] = len({k for k, _ in fit_rows})
    (args.out / f"{MODEL_NAME}.metrics.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (args.out / f"{MODEL_NAME}.md").write_text(model_card(summary), encoding="utf-8")
    print(fp.headline(summary))
    print(f"wrote {model_path} in {summary['seconds']} s")


if __name__ == "__main__":
    main()
