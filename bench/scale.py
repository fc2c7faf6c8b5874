"""Scale benchmark: scan throughput (1 worker, 2 workers, Ray local with 2 CPUs), resume after a killed scan,
and near-duplicate index recall/precision on generated variants of corpus images, clips and audio.

    .venv/bin/python bench/scale.py /work/shared/corpus [--per-category 6] [--profile fast] [--json out.json]

Variants and stores are written into a temporary folder, never into the repository. The edits that make the
variants come from veracity.testing.pictures.reupload_variants (crops, re-encodes, mirrors, captions).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def corpus_subset(corpus: Path, per_category: int) -> list[Path]:
    rows = list(csv.DictReader((corpus / "MANIFEST.csv").open(encoding="utf-8")))
    chosen: list[Path] = []
    for category in sorted({r["category"] for r in rows}):
        mine = sorted((r for r in rows if r["category"] == category), key=lambda r: r["path"])
        step = max(1, len(mine) // per_category)
        chosen += [corpus / r["path"] for r in mine[::step][:per_category]]
    return chosen


def throughput(files: list[Path], work: Path, profile: str) -> dict[str, float]:
    from veracity.batch.scan import scan
    from veracity.config import Profile, Settings

    out: dict[str, float] = {}
    settings = Settings(profile=Profile(profile))
    for label, kwargs in (("1 worker", {"workers": 1}), ("2 workers", {"workers": 2}),
                          ("ray local (2 CPUs)", {"use_ray": True, "workers": 2})):
        store = work / f"throughput-{label.split()[0]}-{label.split()[1]}.sqlite"
        started = time.perf_counter()  # worker start-up counts: process spawn for the pool, ray.init for Ray
        if kwargs.get("use_ray"):
            import ray

            os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
            ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        summary = scan(files, store_path=store, settings=settings, **kwargs)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        if kwargs.get("use_ray"):
            ray.shutdown()
        done = summary.analyzed + summary.failed
        out[label] = round(done / seconds * 60, 2)
        print(f"  {label:20s} {done} files in {seconds:6.1f} s -> {out[label]:.1f} files/min "
              f"({summary.failed} failed)", flush=True)
    return out


def resume(files: list[Path], work: Path, profile: str) -> dict[str, int]:
    """Start a scan in a subprocess, kill it once about half the files are stored, rerun, count redone files."""
    from veracity.batch.scan import scan
    from veracity.config import Profile, Settings

    listing = work / "resume-files.txt"
    listing.write_text("\n".join(str(f) for f in files) + "\n", encoding="utf-8")
    store = work / "resume.sqlite"
    command = [sys.executable, "-m", "veracity", "scan", f"@{listing}", "--store", str(store), "--workers", "2",
               "--profile", profile, "-q"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    finished_before: set[str] = set()
    deadline = time.time() + 1800
    while time.time() < deadline and process.poll() is None:
        time.sleep(1.0)
        if store.exists():
            with sqlite3.connect(store) as conn:
                try:
                    finished_before = {r[0] for r in conn.execute("SELECT path FROM results WHERE status = 'ok'")}
                except sqlite3.OperationalError:
                    continue
            if len(finished_before) >= len(files) // 2:
                break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(store) as conn:
        finished_before = {r[0] for r in conn.execute("SELECT path FROM results WHERE status = 'ok'")}
    redone: list[str] = []

    def hook(event: str, outcome: object, _summary: object) -> None:
        if event == "done" and getattr(outcome, "analyzed", False) and outcome.path in finished_before:  # type: ignore[attr-defined]
            redone.append(outcome.path)  # type: ignore[attr-defined]

    summary = scan([f"@{listing}"], store_path=store, settings=Settings(profile=Profile(profile)), workers=2,
                   hook=hook)
    result = {"files": len(files), "finished_before_kill": len(finished_before), "skipped_on_rerun":
              summary.skipped_done, "analyzed_on_rerun": summary.analyzed, "failed_on_rerun": summary.failed,
              "finished_files_redone": len(redone)}
    print("  " + ", ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    return result


def _video_frames(path: Path, max_s: float = 12.0) -> tuple[list[np.ndarray], float]:
    from veracity.config import SamplingPlan
    from veracity.media.probe import probe
    from veracity.media.video import iter_frames

    media = probe(path)
    cap = min(12.0, media.fps or 10.0)
    sampled = list(iter_frames(media, SamplingPlan(fps_cap=cap, max_frames=int(max_s * cap), max_side_px=480)))
    span_s = sampled[-1].time_s - sampled[0].time_s if len(sampled) > 1 else 0.0
    fps = (len(sampled) - 1) / span_s if span_s > 0 else cap  # the rate actually sampled: keep the clip's speed
    return [f.rgb for f in sampled], fps


def index_quality(corpus: Path, work: Path, n_images: int, n_clips: int, n_audio: int) -> dict[str, object]:
    from PIL import Image

    from veracity.index.search import match_file
    from veracity.index.store import IndexStore
    from veracity.media.audio import load_mono
    from veracity.testing.clips import write_video
    from veracity.testing.pictures import reupload_variants as image_variants
    from veracity.testing.sound import write_audio

    rows = list(csv.DictReader((corpus / "MANIFEST.csv").open(encoding="utf-8")))
    images = sorted(corpus / r["path"] for r in rows if r["kind"] == "image")
    clips = sorted(corpus / r["path"] for r in rows if r["kind"] in ("video", "gif"))
    sounds = sorted(corpus / r["path"] for r in rows if r["kind"] == "audio")
    store = work / "index.sqlite"
    started = time.perf_counter()
    with IndexStore(store) as index:
        for path in images + clips + sounds:  # every visible image, clip and sound is in the index
            try:
                index.add_path(path)
            except Exception as exc:  # noqa: BLE001
                print(f"  not indexed: {path.name}: {exc}")
        indexed = index.count()
    index_s = time.perf_counter() - started
    print(f"  indexed {indexed} files in {index_s:.0f} s", flush=True)

    variants: list[tuple[Path, Path, str]] = []  # (variant file, original, edit)
    folder = work / "variants"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for original in [images[i] for i in np.linspace(0, len(images) - 1, n_images).astype(int)]:
        from veracity.media.image import load_rgb

        rgb = load_rgb(original)
        if max(rgb.shape[:2]) > 1024:
            scale = 1024 / max(rgb.shape[:2])
            rgb = np.asarray(Image.fromarray(rgb).resize((int(rgb.shape[1] * scale), int(rgb.shape[0] * scale))))
        for edit, out in image_variants(rgb).items():
            target = folder / f"{original.stem}__{edit}.jpg"
            Image.fromarray(out).save(target, quality=85)
            variants.append((target, original, edit))
    for original in [clips[i] for i in np.linspace(0, len(clips) - 1, n_clips).astype(int)]:
        try:
            frames, fps = _video_frames(original)
        except Exception as exc:  # noqa: BLE001
            print(f"  skipped clip {original.name}: {exc}")
            continue
        if len(frames) < 8:
            continue
        n = len(frames)
        h, w = frames[0].shape[:2]
        trimmed = frames[n // 4: 3 * n // 4]
        mirrored = [np.asarray(Image.fromarray(np.ascontiguousarray(f[:, ::-1])).resize((w * 3 // 5 // 2 * 2 or 2,
                                                                                          h * 3 // 5 // 2 * 2 or 2)))
                    for f in frames]
        boxed = []
        for f in frames:
            crop = f[h // 10: h - h // 10, w // 10: w - w // 10]
            canvas = np.zeros((h + h // 5, w, 3), np.uint8)
            y0, x0 = (canvas.shape[0] - crop.shape[0]) // 2, (w - crop.shape[1]) // 2
            canvas[y0:y0 + crop.shape[0], x0:x0 + crop.shape[1]] = crop
            boxed.append(canvas)
        for edit, seq in (("trim_half_reencode", trimmed), ("mirror_resize", mirrored), ("crop_letterbox", boxed)):
            target = folder / f"{original.stem}__{edit}.mp4"
            write_video(seq, target, fps=max(1, int(round(fps))), crf=32)
            variants.append((target, original, edit))
    for original in [sounds[i] for i in np.linspace(0, len(sounds) - 1, n_audio).astype(int)]:
        samples = load_mono(original, 16000, max_seconds=60)
        if len(samples) < 16000 * 3:
            continue
        n = len(samples)
        noisy = 0.5 * samples + 0.01 * rng.standard_normal(n).astype(np.float32)
        for edit, seq in (("trim_mp3", samples[n // 4: 3 * n // 4]), ("quiet_noisy_mp3", noisy)):
            target = folder / f"{original.stem}__{edit}.mp3"
            write_audio(seq, target)
            variants.append((target, original, edit))
    print(f"  generated {len(variants)} variants", flush=True)

    known_copies: dict[Path, set[Path]] = {}  # what the untouched original already matches inside the corpus
    for original in {o for _, o, _ in variants}:
        own = match_file(original, store)
        known_copies[original.resolve()] = {Path(p).resolve() for c in own.copies for p in c.paths[:1]}
    by_edit: dict[str, list[int]] = {}
    known_pos = 0
    true_pos = false_pos = 0
    missed: list[str] = []
    confusions: list[str] = []
    query_s = []
    for target, original, edit in variants:
        started = time.perf_counter()
        result = match_file(target, store)
        query_s.append(time.perf_counter() - started)
        returned = {Path(p).resolve() for c in result.copies for p in c.paths[:1]}
        hit = original.resolve() in returned
        true_pos += int(hit)
        others = returned - {original.resolve()}
        known = others & known_copies.get(original.resolve(), set())
        known_pos += len(known)
        false_pos += len(others - known)
        confusions += [f"{target.name} -> {p.name}" for p in sorted(others - known)]
        by_edit.setdefault(edit, []).append(int(hit))
        if not hit:
            missed.append(f"{original.name} [{edit}]")
    recall = true_pos / len(variants)
    precision = (true_pos + known_pos) / max(1, true_pos + known_pos + false_pos)
    precision_strict = true_pos / max(1, true_pos + known_pos + false_pos)
    report = {
        "indexed_files": indexed, "index_seconds": round(index_s, 1), "variants": len(variants),
        "recall": round(recall, 4), "precision": round(precision, 4), "false_positives": false_pos,
        "precision_strict": round(precision_strict, 4), "known_corpus_copies_returned": known_pos,
        "median_query_s": round(float(np.median(query_s)), 3),
        "recall_by_edit": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_edit.items())},
        "missed": missed[:40],
        "false_positive_pairs": confusions[:40],
    }
    print(json.dumps(report, indent=2), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--per-category", type=int, default=6, help="files per corpus category for throughput")
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--images", type=int, default=24, help="corpus images to make variants of (9 each)")
    parser.add_argument("--clips", type=int, default=12, help="corpus clips to make variants of (3 each)")
    parser.add_argument("--audio", type=int, default=8, help="corpus sounds to make variants of (2 each)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "resume", "index"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="veracity-scale-") as tmp:
        work = Path(tmp)
        files = corpus_subset(args.corpus, args.per_category)
        print(f"subset: {len(files)} corpus files ({args.per_category} per category), profile {args.profile}")
        if "throughput" not in args.skip:
            print("throughput (scan + index):", flush=True)
            results["files_per_minute"] = throughput(files, work, args.profile)
        if "resume" not in args.skip:
            print("resume after a killed scan:", flush=True)
            results["resume"] = resume(files, work, args.profile)
        if "index" not in args.skip:
            print("index recall/precision:", flush=True)
            results["index"] = index_quality(args.corpus, work, args.images, args.clips, args.audio)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
