"""Train ``learned.face_forgery``: a compact CNN that finds blending seams in aligned face crops.

    .venv/bin/python -m training.face_forgery.train --corpus ../shared/corpus [--jobs 2] [--folds 4]

Data: the real files of the corpus categories face_video, video, image and provenance give real aligned face crops
(Veracity's own face pipeline, exactly as at analysis time; both as they are and after ``veracity bench
--launder``'s recipe). Fakes are made from those reals: self-blended images (Shiohara & Yamasaki, CVPR 2022) and
landmark-warped swaps between two different real faces (``training/manipulations/face_swap.py``). Real and fake
crops alike go through random social-media damage (flip, colour jitter, down/up-scaling, blur, noise, JPEG).
No corpus fake is ever trained on.

Evaluation: grouped k-fold over ``source_repo``: each fold's model sees only the reals of the other repositories
(and fakes made from them) and scores every held-out file with a face, as it is ("plain") and laundered ("bench"),
aggregated as the analyzer does. The out-of-fold scores give the Platt calibration, the metrics and
``build/oof/learned.face_forgery.json``; the final model is then fitted on every real and exported to ONNX with the
calibration in its metadata. Seeds are fixed; torch uses 2 threads.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

from training.cards import record_sha256  # noqa: E402

SEED = 20260505
CATEGORIES = ("face_video", "video", "image", "provenance")
ANALYZER_ID = "learned.face_forgery"
REAL_COPIES = 3  # damaged copies of each real crop in the sample bank
FAKES_PER_REAL = 3  # fakes made from each meshed real crop (self-blends or swaps)
BATCH = 32
LEARNING_RATE = 2e-3
EPOCHS = 6.0


def manifest_rows(corpus: Path) -> list[dict[str, str]]:
    with open(corpus / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["category"] in CATEGORIES and r["label"] in ("real", "fake")]


def assign_folds(rows: list[dict[str, str]], has_face: set[str], folds: int) -> dict[str, int]:
    """source_repo -> fold, greedily balancing the number of files with a face (largest repositories first)."""
    sizes: dict[str, int] = defaultdict(int)
    for row in rows:
        sizes[row["source_repo"]] += row["path"] in has_face
    load = [0] * folds
    out: dict[str, int] = {}
    for repo in sorted(sizes, key=lambda r: (-sizes[r], r)):
        fold = int(np.argmin(load))
        out[repo] = fold
        load[fold] += sizes[repo]
    return out


# --- the sample bank: damaged reals and fakes at the network's input size, tagged by source repositories ---------

_POOL: dict[str, Any] = {}


def _bank_chunk(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Samples for real crops [start, stop): REAL_COPIES damaged reals and FAKES_PER_REAL damaged fakes each."""
    from training.face_forgery._synth import damage, make_fake

    start, stop, seed = job
    crops, marks, groups, identity = _POOL["crops"], _POOL["marks"], _POOL["groups"], _POOL["identity"]
    meshed = np.flatnonzero(~np.isnan(marks[:, 0, 0]))
    rng = np.random.default_rng(seed)
    pictures, labels, tags, origin = [], [], [], []
    for i in range(start, stop):
        for _ in range(REAL_COPIES):
            pictures.append(damage(crops[i], rng))
            labels.append(0)
            tags.append((groups[i], groups[i]))
            origin.append(i)
        if np.isnan(marks[i, 0, 0]):
            continue
        for _ in range(FAKES_PER_REAL):
            fake, source = make_fake(i, crops, marks, identity, meshed, rng)
            pictures.append(damage(fake, rng))
            labels.append(1)
            tags.append((groups[i], groups[source]))
            origin.append(i)
    return np.stack(pictures), np.array(labels, np.float32), np.array(tags, np.int32), np.array(origin, np.int64)


def build_bank(crops: np.ndarray, marks: np.ndarray, groups: np.ndarray, identity: np.ndarray,
               jobs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Damaged reals and fakes with labels, (target, face source) repository tags and the real crop each came
    from."""
    import multiprocessing

    import cv2

    from veracity.analyzers.learned._face_forgery_run import INPUT_PX

    factor = INPUT_PX / crops.shape[1]
    small = np.stack([cv2.resize(c, (INPUT_PX, INPUT_PX), interpolation=cv2.INTER_AREA) for c in crops])
    _POOL.update(crops=small, marks=marks * factor, groups=groups, identity=identity)
    chunk = 64
    work = [(s, min(s + chunk, len(small)), SEED + s) for s in range(0, len(small), chunk)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        parts = pool.map(_bank_chunk, work, chunksize=1)
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(4))  # type: ignore[return-value]


# --- training and scoring ---------------------------------------------------------------------------------------

def _pairs(labels: np.ndarray, origin: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per real crop with at least one fake: the bank indices of its damaged copies and of its fakes."""
    real_of: dict[int, list[int]] = defaultdict(list)
    fake_of: dict[int, list[int]] = defaultdict(list)
    for i, (label, crop) in enumerate(zip(labels, origin, strict=True)):
        (fake_of if label else real_of)[int(crop)].append(i)
    keys = sorted(set(real_of) & set(fake_of))
    return [np.array(real_of[k]) for k in keys], [np.array(fake_of[k]) for k in keys]


def train_net(pictures: np.ndarray, labels: np.ndarray, origin: np.ndarray, epochs: float, seed: int) -> Any:
    """Batches of BATCH/2 real crops, each with one damaged copy and one fake made from it (as in SBI: the
    network sees the same face with and without a seam, so only the seam tells them apart)."""
    import torch

    from training.face_forgery._net import SeamNet

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = SeamNet()
    steps = max(1, int(epochs * len(pictures) / BATCH))
    optimiser = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps,
                                                   pct_start=0.15)
    real_of, fake_of = _pairs(labels, origin)
    net.train()
    for _ in range(steps):
        chosen = rng.choice(len(real_of), BATCH // 2, replace=len(real_of) < BATCH // 2)
        picks = np.array([rng.choice(real_of[k]) for k in chosen] + [rng.choice(fake_of[k]) for k in chosen])
        x = torch.from_numpy(pictures[picks]).permute(0, 3, 1, 2).float() / 255.0
        shift = rng.integers(-3, 4, 2)  # a few pixels of extra alignment jitter
        x = torch.roll(x, shifts=(int(shift[0]), int(shift[1])), dims=(2, 3))
        y = torch.from_numpy(labels[picks])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    net.eval()
    return net


def file_logit(net: Any, crops: np.ndarray, tracks: np.ndarray) -> float:
    """The analyzer's aggregation: per track the mean of the top half of the crop logits, then the max."""
    import torch

    from veracity.analyzers.learned._face_forgery_run import to_input, track_logit

    with torch.no_grad():
        logits = net(torch.from_numpy(np.stack([to_input(c) for c in crops]))).numpy()
    return max(track_logit(logits[tracks == t]) for t in np.unique(tracks))


def bank_logits(net: Any, pictures: np.ndarray) -> np.ndarray:
    """Raw logits for sample-bank pictures (the synthetic held-out check)."""
    import torch

    with torch.no_grad():
        return np.concatenate([net(torch.from_numpy(np.ascontiguousarray(pictures[s : s + 256]))
                                   .permute(0, 3, 1, 2).float() / 255.0).numpy()
                               for s in range(0, len(pictures), 256)])


def _auc(labels: list[int], scores: list[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(labels, scores)), 3)


def report(items: dict[str, dict[str, str]], p: dict[str, float], logit: dict[str, float]) -> dict[str, Any]:
    """AUC (of the raw logit, higher = fake as trained) overall, per category (its fakes vs its reals) and per
    generator (its fakes vs every real); FPR/TPR of the calibrated p at 0.5."""
    files = [f for f in p if f in items]
    real = [f for f in files if items[f]["label"] == "real"]

    def auc_of(subset: list[str]) -> float | None:
        return _auc([int(items[f]["label"] == "fake") for f in subset], [logit[f] for f in subset])

    out: dict[str, Any] = {
        "files": len(files), "real": len(real), "fake": len(files) - len(real), "auc": auc_of(files),
        "fpr_at_0.5": round(float(np.mean([p[f] >= 0.5 for f in real])), 3) if real else None,
        "tpr_at_0.5": round(float(np.mean([p[f] >= 0.5 for f in files if f not in real])), 3)
        if len(files) > len(real) else None,
        "per_category": {}, "per_generator": {},
    }
    for cat in sorted({items[f]["category"] for f in files}):
        subset = [f for f in files if items[f]["category"] == cat]
        sub_real = [f for f in subset if items[f]["label"] == "real"]
        out["per_category"][cat] = {
            "real": len(sub_real), "fake": len(subset) - len(sub_real), "auc": auc_of(subset),
            "fpr_at_0.5": round(float(np.mean([p[f] >= 0.5 for f in sub_real])), 3) if sub_real else None}
    for gen in sorted({items[f]["generator"] for f in files if items[f]["label"] == "fake"}):
        fakes = [f for f in files if items[f]["label"] == "fake" and items[f]["generator"] == gen]
        out["per_generator"][gen] = {"fake": len(fakes), "auc": auc_of(fakes + real),
                                     "tpr_at_0.5": round(float(np.mean([p[f] >= 0.5 for f in fakes])), 3)}
    return out


def platt(logits: list[float], labels: list[int]) -> tuple[float, float]:
    """Platt scaling with a non-negative slope: a model whose held-out scores run against the labels gets slope 0
    (a constant p at the base rate, i.e. no evidence) rather than a flipped reading of its own output."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0).fit(np.array(logits)[:, None], np.array(labels))
    scale = float(model.coef_[0, 0])
    if scale > 0:
        return scale, float(model.intercept_[0])
    rate = float(np.clip(np.mean(labels), 1e-3, 1 - 1e-3))
    return 0.0, float(np.log(rate / (1 - rate)))


def export_onnx(net: Any, path: Path, metadata: dict[str, str]) -> None:
    import warnings

    import onnx
    import torch

    from veracity.analyzers.learned._face_forgery_run import INPUT_PX

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".onnx.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(1, 3, INPUT_PX, INPUT_PX),), str(tmp), input_names=["faces"],
                          output_names=["logit"], dynamic_axes={"faces": {0: "batch"}, "logit": {0: "batch"}},
                          opset_version=17, dynamo=False)
    model = onnx.load(str(tmp))
    del model.metadata_props[:]
    for key, value in sorted(metadata.items()):
        model.metadata_props.add(key=key, value=value)
    model.producer_version = ""  # keep the file byte-stable across torch patch versions
    onnx.save(model, str(path))
    tmp.unlink()


def _cell(value: object) -> str:
    return "–" if value is None else str(value)


def weakness(summary: dict[str, Any]) -> str:
    """The card's "how weak is it" bullet, from this run's numbers."""
    m, scale = summary["metrics"], summary["platt"]["scale"]
    synthetic = m["synthetic"]["auc"] or 0.0
    learned = "learns" if synthetic >= 0.8 else "only partly learns"
    text = (f"- Weak on this corpus: trained for minutes on 2 CPU cores, the network {learned} the self-blend task "
            f"(held-out synthetic AUC {_cell(m['synthetic']['auc'])}), but "
            f"{'little of it' if (m['plain']['auc'] or 0.0) < 0.65 else 'only part of it'} carries over to the "
            f"corpus fakes (out-of-fold AUC {_cell(m['plain']['auc'])} plain, {_cell(m['bench']['auc'])} bench), "
            "most of which are rendered whole and have no seam. ")
    if scale <= 0:
        constant = 1 / (1 + np.exp(-summary["platt"]["offset"]))
        text += ("The Platt slope fitted on the out-of-fold corpus logits was not positive, so it is clamped to 0: "
                 f"the analyzer reports the same p = {constant:.3f} for every face (no evidence either way) and "
                 "only its heatmap and per-crop logits carry information. ")
    else:
        text += (f"The Platt slope on the out-of-fold corpus logits is {scale:.3f}: its calibrated probabilities "
                 "stay close to the base rate. ")
    return text + ("Treat it as a baseline to improve (more real faces, longer training, a larger input), not as a "
                   "detector to rely on.")


def model_card(summary: dict[str, Any]) -> str:
    """The model card (``face_forgery_v1.md``) from the training summary (``face_forgery_v1.metrics.json``)."""
    t, m = summary["training"], summary["metrics"]
    lines = [
        "# Model card: face_forgery_v1 (`learned.face_forgery`)",
        "",
        f"A compact CNN ({t['parameters']:,} parameters, ONNX {summary['onnx_bytes'] / 1e6:.1f} MB) that scores "
        "the face pipeline's eye-aligned face crops (224 px, resized to 128 px) for the seam a pasted or blended "
        "face leaves: a colour, sharpness or noise step along the face outline. A 4×4 stride-4 stem, five 3×3 "
        "conv/BN/ReLU blocks down to 8×8, mean+max pooling, one logit. Runs with onnxruntime; the Platt "
        "calibration (`platt_scale`, `platt_offset`) is in the ONNX metadata. The analyzer scores up to 16 "
        "evenly spread crops per face track, takes the mean of the top half of the logits per track, calibrates "
        "it, and reports the most suspicious track.",
        "",
        "## Training data",
        "",
        f"Only **real** faces of the evaluation corpus (`../shared/corpus`, MANIFEST `label=real` in the categories "
        f"face_video, video, image, provenance; {t['real_crops']} aligned crops from the files as they are and "
        "after `veracity bench --launder`'s recipe, up to 16 per face track, found by Veracity's own face "
        "pipeline). The corpus files are public GitHub material redistributed under the licences in the "
        "MANIFEST `license` column (several are research or dataset-derived clips: FaceForensics++, DFDC, "
        "HDTF/MEAD-style talking-head sources, Intel sample videos, face_recognition examples); no corpus fake is "
        "trained on. Fakes are made from the reals: self-blended images (Shiohara & Yamasaki, *Detecting "
        "Deepfakes with Self-Blended Images*, CVPR 2022; `self_blend_random` in "
        "`training/manipulations/face_swap.py`: colour/brightness/sharpness/scale/translation jitter of a copy, "
        "a deformed, blurred landmark-hull mask, blend ratio 0.25–1) and, for a quarter of them, landmark-warped "
        "face swaps between two different real files (Delaunay warp, Reinhard colour transfer, Poisson blending). "
        "Reals and fakes then go through the same social-media damage at the network's input size: alignment "
        "jitter, horizontal flip, colour jitter, down/up-scaling 0.6–1, mild blur and noise, a GIF palette "
        "(10%), JPEG q70–95 (stronger damage, JPEG q50 with 0.4× downscaling, erased the seams at 128 px and the "
        "network learned nothing). "
        f"Sample bank: {t['bank_real']} real and {t['bank_fake']} fake; {t['epochs']} passes, AdamW, one-cycle "
        "learning rate, batch 32 (16 real crops, each as a damaged copy and as a fake made from it), "
        f"seed {t['seed']}, 2 torch threads, deterministic algorithms; "
        f"`make train-face-forgery` recreates it ({t['wall_s'] / 60:.1f} min on 2 shared cores, face crops cached).",
        "",
        "## Split and metrics",
        "",
        f"{summary['split'].capitalize()}: each fold's model never saw a real of the held-out repositories, nor a "
        "fake made from one. Every corpus file of those repositories in which the face pipeline finds a face is "
        "scored as the analyzer does (*plain*: as it is; *bench*: after `veracity bench --launder`'s recipe); files "
        "without a face are left out (the analyzer abstains). AUC is of the raw logit (higher = more like the "
        "training fakes; below 0.5 = the corpus fakes look *less* blended than its reals). p is Platt-calibrated "
        "on these out-of-fold logits with a non-negative slope "
        f"(scale {summary['platt']['scale']:.3f}, offset {summary['platt']['offset']:.3f}; slope 0 means the "
        "held-out scores carried no usable evidence and the analyzer reports the base rate). "
        "FPR/TPR: share of real/fake files with p ≥ 0.5. Per generator: its fakes against every real file with a "
        "face.",
        "",
        f"Held-out synthetic check: each fold's model also scores the sample-bank reals of the held-out "
        f"repositories and the fakes made from them (AUC {_cell(m['synthetic']['auc'])} over "
        f"{m['synthetic']['samples']} samples; per fold {', '.join(_cell(a) for a in m['synthetic']['auc_per_fold'])})."
        " This is the task it was trained for; the corpus rows below are the real test.",
        "",
        "| inputs | files (real/fake) | AUC | FPR | TPR |",
        "|---|---|---|---|---|",
    ]
    for variant in ("plain", "bench"):
        r = m[variant]
        lines.append(f"| {variant} | {r['files']} ({r['real']}/{r['fake']}) | {_cell(r['auc'])} | "
                     f"{_cell(r['fpr_at_0.5'])} | {_cell(r['tpr_at_0.5'])} |")
    lines += ["", "| category | real | fake | AUC plain | AUC bench | FPR plain | FPR bench |",
              "|---|---|---|---|---|---|---|"]
    for cat, r in m["plain"]["per_category"].items():
        b = m["bench"]["per_category"].get(cat, {})
        lines.append(f"| {cat} | {r['real']} | {r['fake']} | {_cell(r['auc'])} | {_cell(b.get('auc'))} | "
                     f"{_cell(r['fpr_at_0.5'])} | {_cell(b.get('fpr_at_0.5'))} |")
    lines += ["", "| generator | fakes | AUC plain | AUC bench | TPR plain | TPR bench |", "|---|---|---|---|---|---|"]
    for gen in sorted(set(m["plain"]["per_generator"]) | set(m["bench"]["per_generator"])):
        r, b = m["plain"]["per_generator"].get(gen, {}), m["bench"]["per_generator"].get(gen, {})
        lines.append(f"| {gen} | {r.get('fake', b.get('fake'))} | {_cell(r.get('auc'))} | {_cell(b.get('auc'))} | "
                     f"{_cell(r.get('tpr_at_0.5'))} | {_cell(b.get('tpr_at_0.5'))} |")
    lines += [
        "",
        "## Known failures",
        "",
        "- It finds seams, not generators: faces rendered whole (talking-head models such as SadTalker or MuseV "
        "that re-render the full frame, text-to-video and text-to-image faces) have no blending boundary and "
        "score like reals. Reenactment that only moves the mouth (lip-sync, dubbing) leaves little seam too.",
        "- Trained on a few hundred real crops from about 30 repositories: its notion of a real face is narrow "
        "(studio and news footage, frontal faces). Unusual lighting, make-up, glasses, strong compression or "
        "upscaling can look like a seam; profile views put the outline out of the crop.",
        "- The swaps it trained on are classical (landmark warp + Poisson blend); modern swappers with learned "
        "blending and colour matching are harder.",
        "- Small numbers: each AUC above rests on a few dozen files (per generator often one or two), so the "
        "figures are noisy; the per-category numbers mix talking heads, swaps and generated videos.",
        weakness(summary),
        "- Format shortcuts: an earlier run without palette augmentation scored corpus GIFs (most face fakes of "
        "some generators are GIFs, almost no real face clip is) higher for their palette, not their faces; "
        "training now puts a GIF-style palette on a random 10% of reals and fakes alike, but per-generator "
        "numbers for GIF-only generators (SadTalker, AnimateDiff, Text2Video-Zero) should still be read with "
        "that in mind.",
        "- Fusion weight 0.3: a supporting signal, not a verdict on its own.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=EPOCHS, help="passes over the sample bank per model")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "veracity" / "training" / "face_forgery")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "veracity" / "models")
    parser.add_argument("--oof", type=Path, default=REPO / "build" / "oof")
    parser.add_argument("--card-only", action="store_true", help="rewrite the model card from the metrics file")
    parser.add_argument("--smoke", type=int, default=0, help="use only this many real crops (a quick check)")
    args = parser.parse_args()
    started = time.perf_counter()
    onnx_path = args.out / "face_forgery_v1.onnx"
    if args.card_only:
        summary = json.loads(onnx_path.with_suffix(".metrics.json").read_text())
        onnx_path.with_suffix(".md").write_text(model_card(summary))
        return

    import torch

    from training.face_forgery._crops import cached_crops

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    os.environ.setdefault("GLOG_minloglevel", "2")
    rows = manifest_rows(args.corpus)
    items = {r["path"]: r for r in rows}
    crops = cached_crops(args.corpus, rows, args.cache, args.jobs)
    has_face = {p for (p, v), c in crops.items() if v == "plain" and not c.empty}
    scored = {(p, v) for (p, v), c in crops.items() if not c.empty}
    fold_of = assign_folds(rows, has_face, args.folds)
    repos = sorted(fold_of)
    repo_index = {r: i for i, r in enumerate(repos)}
    print(f"{len(rows)} files, {len(has_face)} with a face; {len(repos)} repositories in {args.folds} folds "
          f"({time.perf_counter() - started:.0f} s)", flush=True)

    # Real crops (both variants of every real file) with their repository and identity (file).
    real_keys = [(p, v) for (p, v) in sorted(scored) if items[p]["label"] == "real"]
    pool_crops = np.concatenate([crops[k].crops for k in real_keys])
    pool_marks = np.concatenate([crops[k].landmarks for k in real_keys])
    pool_groups = np.concatenate([np.full(len(crops[k].crops), repo_index[items[k[0]]["source_repo"]])
                                  for k in real_keys])
    file_ids = {p: i for i, p in enumerate(sorted({k[0] for k in real_keys}))}
    pool_identity = np.concatenate([np.full(len(crops[k].crops), file_ids[k[0]]) for k in real_keys])
    if args.smoke:
        picks = np.random.default_rng(SEED).choice(len(pool_crops), args.smoke, replace=False)
        pool_crops, pool_marks, pool_groups, pool_identity = (a[picks] for a in (pool_crops, pool_marks, pool_groups,
                                                                                  pool_identity))
    bank_started = time.perf_counter()
    pictures, labels, tags, origin = build_bank(pool_crops, pool_marks, pool_groups, pool_identity, args.jobs)
    print(f"sample bank: {int((labels == 0).sum())} real, {int((labels == 1).sum())} fake from "
          f"{len(pool_crops)} real crops ({time.perf_counter() - bank_started:.0f} s)", flush=True)

    oof_logit: dict[str, dict[str, float]] = {"plain": {}, "bench": {}}
    synth_labels: list[int] = []
    synth_logits: list[float] = []
    synth_fold_auc: list[float | None] = []
    for fold in range(args.folds):
        held = {repo_index[r] for r, f in fold_of.items() if f == fold}
        keep = ~(np.isin(tags[:, 0], list(held)) | np.isin(tags[:, 1], list(held)))
        fold_started = time.perf_counter()
        net = train_net(pictures[keep], labels[keep], origin[keep], args.epochs, SEED + fold)
        unseen = np.isin(tags[:, 0], list(held)) & np.isin(tags[:, 1], list(held))
        fold_logits = bank_logits(net, pictures[unseen])
        synth_labels += labels[unseen].astype(int).tolist()
        synth_logits += fold_logits.tolist()
        synth_fold_auc.append(_auc(labels[unseen].astype(int).tolist(), fold_logits.tolist()))
        for path, variant in sorted(scored):
            if repo_index[items[path]["source_repo"]] in held:
                oof_logit[variant][path] = file_logit(net, crops[path, variant].crops, crops[path, variant].track)
        print(f"fold {fold + 1}/{args.folds}: trained on {int(keep.sum())} samples, held-out synthetic AUC "
              f"{synth_fold_auc[-1]}, "
              f"{time.perf_counter() - fold_started:.0f} s", flush=True)

    both = [(f, v) for v in ("plain", "bench") for f in oof_logit[v]]
    scale, offset = platt([oof_logit[v][f] for f, v in both], [int(items[f]["label"] == "fake") for f, v in both])
    oof_p = {v: {f: float(1 / (1 + np.exp(-(scale * z + offset)))) for f, z in oof_logit[v].items()}
             for v in ("plain", "bench")}
    metrics: dict[str, Any] = {v: report(items, oof_p[v], oof_logit[v]) for v in ("plain", "bench")}
    metrics["synthetic"] = {"samples": len(synth_labels), "fake": int(sum(synth_labels)),
                            "auc": _auc(synth_labels, synth_logits), "auc_per_fold": synth_fold_auc}
    args.oof.mkdir(parents=True, exist_ok=True)
    split = f"grouped {args.folds}-fold over source_repo (reals of the other repositories + fakes made from them)"
    (args.oof / f"{ANALYZER_ID}.json").write_text(json.dumps(
        {"analyzer": ANALYZER_ID, "split": split, "plain": oof_p["plain"], "bench": oof_p["bench"]}, indent=1))

    final_started = time.perf_counter()
    net = train_net(pictures, labels, origin, args.epochs, SEED + 99)
    print(f"final model: {time.perf_counter() - final_started:.0f} s", flush=True)
    export_onnx(net, onnx_path, {"platt_scale": f"{scale:.6f}", "platt_offset": f"{offset:.6f}",
                                 "analyzer": ANALYZER_ID, "input": "faces: N×3×128×128 RGB in [0, 1]"})
    summary = {
        "model": "face_forgery_v1", "analyzer": ANALYZER_ID, "split": split,
        "folds": {r: f for r, f in sorted(fold_of.items())}, "platt": {"scale": scale, "offset": offset},
        "training": {"real_crops": len(pool_crops), "bank_real": int((labels == 0).sum()),
                     "bank_fake": int((labels == 1).sum()), "epochs": args.epochs, "seed": SEED,
                     "parameters": sum(p.numel() for p in net.parameters()),
                     "wall_s": round(time.perf_counter() - started, 1)},
        "onnx_bytes": onnx_path.stat().st_size, "sha256": record_sha256(onnx_path),
        "metrics": metrics,
    }
    onnx_path.with_suffix(".metrics.json").write_text(json.dumps(summary, indent=1) + "\n")
    onnx_path.with_suffix(".md").write_text(model_card(summary))
    print(json.dumps({v: {k: metrics[v][k] for k in ("files", "auc", "fpr_at_0.5", "tpr_at_0.5")}
                      for v in ("plain", "bench")} | {"synthetic_auc": metrics["synthetic"]["auc"]}))
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
