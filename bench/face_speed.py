"""Speed of the face analyzers on a corpus' face_video clips: real-time factor, peak memory, time per stage.

    .venv/bin/python bench/face_speed.py ../shared/corpus [--profile default] [--min-side 720] [--json out.json]

Each clip runs in a fresh process (so peak RSS is that clip's), through the same steps as the scanner: one
streaming pass of decoding + face detection + face mesh + per-frame features (``face.tracks``), then every face
signal and the timeline. RTF = wall seconds / clip seconds (≤ 0.5 means a minute of video in ≤ 30 s). The machine's
load average is printed with the numbers: on a shared machine it changes them, so the CPU seconds the clip's
process used per second of video are printed too (on an idle 2-core machine RTF lies between CPU/2 and CPU).
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Any

ANALYZERS = ("BlendingAnalyzer", "LandmarkJitterAnalyzer", "HeadPoseAnalyzer", "BlinkAnalyzer", "LipSyncAnalyzer",
             "PulseAnalyzer", "IdentityDriftAnalyzer", "FaceTimelineAnalyzer")


def measure(path: str, profile: str) -> dict[str, Any]:
    import resource

    from veracity.analyzers.base import AnalysisContext
    from veracity.analyzers.face import signals
    from veracity.analyzers.face._tracking import face_tracks
    from veracity.config import Profile, Settings
    from veracity.media.probe import probe

    started = time.perf_counter()
    media = probe(path)
    ctx = AnalysisContext(media=media, settings=Settings(profile=Profile(profile)))
    tracks = face_tracks(ctx)
    tracking_s = time.perf_counter() - started
    by_signal = {}
    for name in ANALYZERS:
        t0 = time.perf_counter()
        getattr(signals, name)().analyze(media, ctx)
        by_signal[getattr(signals, name).info.id] = round(time.perf_counter() - t0, 3)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "path": path, "width": media.width, "height": media.height, "duration_s": media.duration_s,
        "sampled_frames": tracks.frame_count, "fps": round(tracks.fps, 2), "faces": len(tracks.tracks),
        "wall_s": round(wall, 2), "rtf": round(wall / max(media.duration_s or 1.0, 1e-6), 3),
        "cpu_s": round(cpu, 2), "cpu_per_media_s": round(cpu / max(media.duration_s or 1.0, 1e-6), 3),
        "tracking_s": round(tracking_s, 2), "stages_s": tracks.seconds_by_stage, "signals_s": by_signal,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--min-side", type=int, default=720, help="only clips whose shorter side is at least this")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    rows = [r for r in csv.DictReader((args.corpus / "MANIFEST.csv").open())
            if r["category"] == "face_video" and r["kind"] == "video"]
    from veracity.media.probe import probe

    paths = []
    for row in rows:
        info = probe(args.corpus / row["path"])
        if min(info.width or 0, info.height or 0) >= args.min_side:
            paths.append(str(args.corpus / row["path"]))
    context = mp.get_context("spawn")
    results = []
    for path in paths:
        load_before = os.getloadavg()[0]
        with context.Pool(1) as pool:
            item = pool.apply(measure, (path, args.profile))
        item["load_avg_1min"] = round((load_before + os.getloadavg()[0]) / 2, 2)
        results.append(item)
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in item["stages_s"].items())
        slowest = max(item["signals_s"].items(), key=lambda kv: kv[1])
        print(f"{Path(path).name[:50]:50} {item['width']}x{item['height']} {item['duration_s']:5.1f}s "
              f"RTF {item['rtf']:.2f} (CPU {item['cpu_per_media_s']:.2f} s/s) RSS {item['peak_rss_mb']:.0f} MB "
              f"load {item['load_avg_1min']:.1f} | "
              f"{stages} | slowest signal {slowest[0]} {slowest[1]:.2f}s")
    if results:
        total_wall = sum(r["wall_s"] for r in results)
        total_media = sum(r["duration_s"] or 0 for r in results)
        stage_totals: dict[str, float] = {}
        for r in results:
            for k, v in {**r["stages_s"], **{f"signal {n}": s for n, s in r["signals_s"].items()}}.items():
                stage_totals[k] = stage_totals.get(k, 0.0) + v
        total_cpu = sum(r["cpu_s"] for r in results)
        print(f"overall RTF {total_wall / total_media:.3f} over {total_media:.0f} s of video "
              f"({total_cpu / total_media:.3f} CPU-seconds per second of video); "
              f"max peak RSS {max(r['peak_rss_mb'] for r in results):.0f} MB")
        for k, v in sorted(stage_totals.items(), key=lambda kv: -kv[1]):
            print(f"  {k:28} {v:7.2f} s  ({100 * v / total_wall:4.1f}%)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
