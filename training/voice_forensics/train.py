"""Train the shipped voice-forensics classifier and measure it leave-one-source-out.

Data: the corpus' audio (``MANIFEST.csv`` rows with category ``audio``) plus speech synthesised here with
espeak-ng (formant synthesis, many voices, rates and pitches). Every source file is used as it is and as several
randomly re-encoded copies (an optional first lossy pass at a random bitrate, then mono MP3 at a random sample rate
and bitrate), so that the file format (all corpus fakes are MP3 from one repository; most real files are WAV)
cannot carry the score.

Sources (groups) for the split: real files by source repository, fake files by generator (Tortoise, Tacotron2,
NaturalSpeech, espeak-ng). Each group is scored by a model trained on all the other groups; AUCs below are over
those held-out scores only. The shipped model is then fitted on everything.

    .venv/bin/python -m training.voice_forensics.train --corpus ../shared/corpus [--copies 3]

Writes src/veracity/models/voice_forensics.json and training/voice_forensics/metrics.json and records the model's
sha256 in src/veracity/models/registry.json. Out-of-fold probabilities for the fusion trainer go to
``build/oof/audio.voice_forensics.json``: every corpus audio file, and every corpus video with a sound track, as it
is ("plain") and after ``veracity bench --launder``'s recipe ("bench"), windowed and averaged as the analyzer does
under the default profile, scored by the model fitted without the file's group (files of no training group: by the
shipped model, which never saw their source).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from training.cards import record_sha256
from veracity.analyzers.audio._vad import detect_speech
from veracity.analyzers.audio._voice_features import FEATURES, SAMPLE_RATE_HZ, feature_vector
from veracity.analyzers.audio._voice_model import VoiceModel, file_windows
from veracity.media.audio import load_mono

ROOT = Path(__file__).resolve().parents[2]
ANALYZER_ID = "audio.voice_forensics"

SENTENCES = (
    "The committee will meet again on Thursday to discuss the budget for next year.",
    "I never thought I would see the day when the river froze all the way across.",
    "Please remember to bring your passport and a copy of the signed contract.",
    "Scientists have found a new species of frog in the mountains of Peru.",
    "We walked along the beach until the sun went down behind the old lighthouse.",
    "The results of the election will be announced tomorrow morning at nine.",
    "My grandmother used to bake bread every Sunday before church.",
    "If you can hear this message, please call me back as soon as possible.",
    "The train to Edinburgh has been delayed by approximately forty minutes.",
    "He said that the company would not comment on the rumours until Friday.",
    "Four score and seven years ago our fathers brought forth a new nation.",
    "Turn left at the second traffic light and the museum is on your right.",
)
ESPEAK_VOICES = ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us+f3", "en+m3", "en-gb+f2",
                 "en-us+klatt", "en+whisper", "en-gb-x-gbclan+f4", "en-us-nyc")


def espeak_clips(folder: Path, count: int, rng: np.random.Generator) -> list[Path]:
    paths = []
    for i in range(count):
        voice = ESPEAK_VOICES[i % len(ESPEAK_VOICES)]
        text = " ".join(rng.choice(SENTENCES, size=int(rng.integers(1, 4)), replace=False))
        path = folder / f"espeak_{i:02d}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(int(rng.integers(130, 200))), "-p",
                        str(int(rng.integers(30, 70))), "-w", str(path), text], check=True)
        paths.append(path)
    return paths


def encode_mp3(samples: np.ndarray, sample_rate_hz: int, bit_rate: int, path: Path) -> None:
    import av

    with av.open(str(path), mode="w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=sample_rate_hz, layout="mono")
        stream.bit_rate = bit_rate
        for start in range(0, samples.size, sample_rate_hz):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[None, start : start + sample_rate_hz]),
                                               format="flt", layout="mono")
            frame.sample_rate = sample_rate_hz
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def random_launder(src: Path, tmp: Path, rng: np.random.Generator) -> np.ndarray:
    """16 kHz samples of ``src`` after a random re-encoding chain (training only)."""
    rate = int(rng.choice([16_000, 22_050, 24_000, 44_100]))
    samples = load_mono(src, rate)
    if rng.random() < 0.5:  # an earlier lossy generation, so codec history does not follow the label
        first = tmp / "first.mp3"
        encode_mp3(samples, rate, int(rng.choice([32_000, 48_000, 96_000, 160_000])), first)
        samples = load_mono(first, rate)
    final = tmp / "final.mp3"
    final_rate = int(rng.choice([16_000, 22_050, 24_000]))
    encode_mp3(load_mono_resampled(samples, rate, final_rate), final_rate, int(rng.choice([48_000, 64_000, 96_000])),
               final)
    return load_mono(final, SAMPLE_RATE_HZ)


def load_mono_resampled(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate == target:
        return samples
    g = np.gcd(rate, target)
    return resample_poly(samples, target // g, rate // g).astype(np.float32)


def rows_for(samples: np.ndarray) -> np.ndarray:
    segments = detect_speech(samples)
    return np.array([feature_vector(f) for _w, f in file_windows(samples, segments, max_windows=None)])


def fit(x: np.ndarray, y: np.ndarray, c: float, names: tuple[str, ...] = FEATURES) -> VoiceModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-9
    z = np.clip((x - mean) / scale, -6, 6)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(z, y)
    return VoiceModel(names, mean, scale, clf.coef_[0], float(clf.intercept_[0]))


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


Record = tuple[int, int, str, int, np.ndarray]  # (item index, label, group, variant, feature rows)


def extract(items: list[tuple[Path, int, str]], args: argparse.Namespace, rng: np.random.Generator) -> list[Record]:
    """Feature rows for every item and variant: variant 0 = as published, 1.. = randomly laundered copies."""
    records: list[Record] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        espeak = iter(espeak_clips(tmp, args.espeak, rng))
        for index, (path, label, group) in enumerate(items):
            if group == "fake:espeak-ng":
                path = next(espeak)
            for variant in range(args.copies + 1):
                samples = load_mono(path, SAMPLE_RATE_HZ) if variant == 0 else random_launder(path, tmp, rng)
                rows = rows_for(samples)
                if len(rows):
                    records.append((index, label, group, variant, rows))
            print(f"{index + 1}/{len(items)} {group} {path.name}", file=sys.stderr)
    return records


def group_of(row: dict[str, str]) -> str:
    return f"fake:{row['generator']}" if row["label"] == "fake" else f"real:{row['source_repo']}"


def analyzer_rows(path: Path) -> np.ndarray | None:
    """All-feature rows of the windows the analyzer scores under the default profile; None where it would not
    give a probability (no sound track, too little speech)."""
    from veracity.analyzers.audio._common import no_sound_reason, too_little_speech
    from veracity.analyzers.audio.voice_forensics import VoiceForensicsParams
    from veracity.config import Limits
    from veracity.media.probe import probe

    if no_sound_reason(probe(path)) is not None:
        return None
    samples = load_mono(path, SAMPLE_RATE_HZ, max_seconds=Limits().max_duration_s)
    segments = detect_speech(samples)
    if too_little_speech(segments) is not None:
        return None
    windows = file_windows(samples, segments, VoiceForensicsParams().max_windows)
    return np.array([feature_vector(f) for _w, f in windows]) if windows else None


def write_out_of_fold(corpus: Path, folds: dict[str, VoiceModel], final: VoiceModel, keep: list[int] | None,
                      cache: Path, out: Path) -> Path:
    """p_synthetic per corpus file (plain and bench-laundered) from the model that never saw the file's group."""
    from veracity.media.damage import RECIPE, launder
    from veracity.media.probe import probe

    with open(corpus / "MANIFEST.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["kind"] == "audio" or (r["kind"] == "video" and probe(corpus / r["path"]).has_audio)]
    cached = cache / f"voice_analyzer_view-{code_digest()}-{RECIPE}.pkl"
    views: dict[tuple[str, str], np.ndarray | None] = pickle.loads(cached.read_bytes()) if cached.is_file() else {}
    scores: dict[str, dict[str, float]] = {"plain": {}, "bench": {}}
    for row in rows:
        model = folds.get(group_of(row), final)
        for variant in scores:
            key = (row["sha256"], variant)
            if key not in views:
                path = corpus / row["path"]
                views[key] = analyzer_rows(path if variant == "plain" else launder(path))
            features = views[key]
            if features is None:
                continue
            logit = float(np.mean(model.logits(features if keep is None else features[:, keep])))
            scores[variant][row["path"]] = round(1 / (1 + np.exp(-logit)), 6)
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps(views))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{ANALYZER_ID}.json"
    split = ("leave-one-source-out (real: source repository; fake: generator); files of no training group: the "
             "model fitted on all training data")
    path.write_text(json.dumps({"analyzer": ANALYZER_ID, "split": split, **scores}, indent=1) + "\n")
    return path


def code_digest() -> str:
    """Hash of the code the cached feature rows depend on, so a change to it is never hidden by the cache."""
    import importlib
    import inspect

    digest = hashlib.sha256(repr((SENTENCES, ESPEAK_VOICES)).encode())
    for function in (espeak_clips, encode_mp3, random_launder, load_mono_resampled, rows_for, extract):
        digest.update(inspect.getsource(function).encode())
    for name in ("analyzers.audio._vad", "analyzers.audio._voice_features", "analyzers.audio._voice_model",
                 "analyzers.audio._windows", "media.audio"):
        digest.update(Path(importlib.import_module(f"veracity.{name}").__file__ or "").read_bytes())
    return digest.hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=3, help="randomly laundered copies per file")
    parser.add_argument("--espeak", type=int, default=24, help="espeak-ng clips to synthesise")
    parser.add_argument("--c", type=float, default=0.03, help="inverse L2 strength")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--features", default="flux,floor_db,breath_level_db,shimmer",
                        help="comma-separated subset of the features ('' for all)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "veracity" / "training")
    parser.add_argument("--dry-run", action="store_true", help="print metrics, write nothing")
    parser.add_argument("--out", type=Path, help="folder for the model and metrics.json (default: where they ship)")
    parser.add_argument("--oof-out", type=Path, default=ROOT / "build" / "oof", help="folder for out-of-fold scores")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    items: list[tuple[Path, int, str]] = []  # (path, label 1=synthetic, group)
    with open(args.corpus / "MANIFEST.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category"] != "audio":
                continue
            label = 1 if row["label"] == "fake" else 0
            group = f"fake:{row['generator']}" if label else f"real:{row['source_repo']}"
            items.append((args.corpus / row["path"], label, group))
    items += [(Path(f"espeak_{i:02d}.wav"), 1, "fake:espeak-ng") for i in range(args.espeak)]
    cache = args.cache / f"voice_rows-s{args.seed}-c{args.copies}-e{args.espeak}-{len(FEATURES)}-{code_digest()}.pkl"
    if cache.is_file():
        records = pickle.loads(cache.read_bytes())
    else:
        records = extract(items, args, rng)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(records))
    if args.features:
        keep = [FEATURES.index(name) for name in args.features.split(",")]
        records = [(i, lab, g, v, rows[:, keep]) for i, lab, g, v, rows in records]
    names = tuple(args.features.split(",")) if args.features else FEATURES

    groups = sorted({r[2] for r in records})
    held_out: dict[tuple[int, int], float] = {}
    folds: dict[str, VoiceModel] = {}
    for group in groups:
        train = [r for r in records if r[2] != group]
        x = np.concatenate([r[4] for r in train])
        y = np.concatenate([np.full(len(r[4]), r[1]) for r in train])
        model = fit(x, y, args.c, names)
        folds[group] = model
        for r in records:
            if r[2] == group:
                held_out[(r[0], r[3])] = float(np.mean(model.logits(r[4])))

    def pooled(variants: set[int], corpus_only: bool) -> dict[str, float]:
        keys = [(r[0], r[3]) for r in records if r[3] in variants and (not corpus_only or r[2] != "fake:espeak-ng")]
        labels = np.array([items[k[0]][1] for k in keys])
        scores = np.array([held_out[k] for k in keys])
        return {"auc": round(auc(scores, labels), 4), "files": len(keys)}

    laundered = set(range(1, args.copies + 1))
    metrics = {
        "split": "leave-one-source-out (real: source repository; fake: generator)",
        "groups": groups,
        "corpus_plain": pooled({0}, True),
        "corpus_laundered": pooled(laundered, True),
        "all_plain": pooled({0}, False),
        "all_laundered": pooled(laundered, False),
        "per_group_mean_p": {
            g: round(float(np.mean([1 / (1 + np.exp(-held_out[(r[0], r[3])]) ) for r in records if r[2] == g])), 3)
            for g in groups
        },
    }
    final = fit(np.concatenate([r[4] for r in records]),
                np.concatenate([np.full(len(r[4]), r[1]) for r in records]), args.c, names)
    metrics["coefficients"] = {n: round(float(c), 3) for n, c in zip(names, final.coef, strict=False)}
    metrics["c"] = args.c
    if args.dry_run:
        print(json.dumps({k: metrics[k] for k in ("corpus_plain", "corpus_laundered", "all_plain", "all_laundered")}))
        return
    out = (args.out or ROOT / "src" / "veracity" / "models") / "voice_forensics.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(final.to_json())
    (args.out or Path(__file__).parent).joinpath("metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    print("sha256", record_sha256(out))
    keep_columns = [FEATURES.index(name) for name in args.features.split(",")] if args.features else None
    print("wrote", write_out_of_fold(args.corpus, folds, final, keep_columns, args.cache, args.oof_out))


if __name__ == "__main__":
    main()
