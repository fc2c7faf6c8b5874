"""Real-time factor of the default-profile audio analysis on one long clip, warm (weights loaded, imports done).

Builds a clip by joining the corpus' real recordings (about a minute), analyzes it twice with one Scanner and
reports the second run: total seconds / clip seconds, and each analyzer's share.

    .venv/bin/python bench/audio_speed.py ../shared/corpus [--profile default] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from veracity.config import Profile, Settings
from veracity.media.audio import load_mono
from veracity.scanner import Scanner


def long_clip(corpus: Path, folder: Path, seconds: float = 60.0) -> Path:
    with open(corpus / "MANIFEST.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["category"] == "audio" and r["label"] == "real"]
    parts, total = [], 0
    for row in rows:
        samples = load_mono(corpus / row["path"], 16_000)
        parts.append(samples)
        total += samples.size
        if total >= seconds * 16_000:
            break
    path = folder / "long.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes())
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = long_clip(args.corpus, Path(tmp))
        scanner = Scanner(Settings(profile=Profile(args.profile)))
        scanner.check(clip)  # warm-up: imports, sessions, model loading
        best = None
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = scanner.check(clip)
            seconds = time.perf_counter() - started
            if best is None or seconds < best[0]:
                best = (seconds, report)
        seconds, report = best
        duration_s = report.media.duration_s or 1.0
        print(f"clip {duration_s:.1f} s, profile {args.profile}: {seconds:.2f} s, real-time factor "
              f"{seconds / duration_s:.4f} (best of {args.repeat})")
        for result in report.results:
            print(f"  {result.analyzer_id:28s} {result.status.value:15s} {result.seconds:.3f} s "
                  f"(RTF {result.seconds / duration_s:.4f})")


if __name__ == "__main__":
    main()
