"""Inference speed of the learned detectors: seconds per image (learned.ai_image), per face crop (MesoNet-4,
learned.face_forgery) and per clip (learned.ai_video, learned.face_video_temporal, with real-time factors).

    .venv/bin/python bench/learned_speed.py CORPUS [--mesonet STORE_DIR] [--images 12] [--videos 8]

``STORE_DIR`` is a model store holding ``mesonet4_df/meso4_df.onnx`` (``veracity models import mesonet4_df``).
Times are wall-clock medians on this machine; the image time is the trunk on the native-resolution patches and
the probe (decoding shown apart).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--mesonet", type=Path, default=None)
    parser.add_argument("--images", type=int, default=12)
    parser.add_argument("--videos", type=int, default=8, help="clips timed per temporal analyzer (0: skip)")
    parser.add_argument("--previous-face-forgery", type=Path, default=None,
                        help="another face-forgery ONNX file to time in the same run (e.g. the one shipped before: "
                        "git show 37ce896:src/veracity/models/face_forgery_v1.onnx > old.onnx)")
    args = parser.parse_args()

    from veracity.analyzers.learned.trunk import Trunk, TrunkProbe, picture_patch_features
    from veracity.media.image import load_rgb
    from veracity.models.registry import shipped_file

    model = TrunkProbe.from_json(shipped_file("ai_image"))
    trunk = Trunk.shipped()
    with open(args.corpus / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["category"] == "image"][: args.images]
    seconds, decode, pixels = [], [], []
    model.logits([picture_patch_features(trunk, np.zeros((256, 256, 3), np.uint8))])  # warm-up
    for row in rows:
        started = time.perf_counter()
        rgb = load_rgb(args.corpus / row["path"])
        decode.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.logits([picture_patch_features(trunk, rgb)])
        seconds.append(time.perf_counter() - started)
        pixels.append(rgb.shape[0] * rgb.shape[1] / 1e6)
    print(f"learned.ai_image: median {statistics.median(seconds):.3f} s per image for patches + trunk + probe "
          f"(n={len(seconds)}, {statistics.median(pixels):.1f} MP median; the patch count is fixed, so the time "
          f"does not grow with the pixel count); decoding {statistics.median(decode):.3f} s median (shared with "
          f"every image analyzer)")

    _face_forgery_speed(shipped_file("face_forgery"), "learned.face_forgery")
    if args.previous_face_forgery:
        _face_forgery_speed(args.previous_face_forgery, "previous face-forgery model")

    if args.mesonet:
        from veracity.analyzers.learned._mesonet_run import p_fake

        onnx_path = args.mesonet / "mesonet4_df" / "meso4_df.onnx"
        crops = list(np.random.default_rng(0).integers(0, 256, (64, 224, 224, 3), dtype=np.uint8))
        p_fake(onnx_path, crops[:4])  # warm-up
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            p_fake(onnx_path, crops)
            runs.append((time.perf_counter() - started) / len(crops))
        print(f"learned.mesonet: median {1000 * statistics.median(runs):.2f} ms per face crop "
              "(batches of 16, incl. resize 224->256)")

    if args.videos:
        from veracity.analyzers.learned.ai_video import AiVideoAnalyzer
        from veracity.analyzers.learned.face_video_temporal import FaceVideoTemporalAnalyzer

        _clip_speed(args.corpus, args.videos, AiVideoAnalyzer(), "video")
        _clip_speed(args.corpus, args.videos, FaceVideoTemporalAnalyzer(), "face_video")


def _clip_speed(corpus: Path, count: int, analyzer: Any, category: str) -> None:
    """A temporal analyzer per clip, decoding included; real-time factor = seconds of compute per second of the
    analysed span (< 1: faster than playback)."""
    from veracity.analyzers.base import AnalysisContext
    from veracity.media.probe import probe

    analyzer.load()
    with open(corpus / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["category"] == category]
    rows = rows[:: max(1, len(rows) // count)][:count]  # spread over fakes and reals (GIF / MP4 / AVI / MKV)
    seconds, factors = [], []
    for row in rows:
        media = probe(corpus / row["path"])
        started = time.perf_counter()
        result = analyzer.analyze(media, AnalysisContext(media=media))
        elapsed = time.perf_counter() - started
        seconds.append(elapsed)
        if result.findings:  # the analysed span: ai_video's locus is its strongest window, so it states the span
            finding = result.findings[0]
            span = finding.data.get("span_s") or (finding.locus.end_s or 0.0) - (finding.locus.start_s or 0.0)
            if isinstance(span, float) and span > 0:
                factors.append(elapsed / span)
    factor = f"{statistics.median(factors):.2f}" if factors else "–"
    print(f"{analyzer.info.id}: median {statistics.median(seconds):.2f} s per {category} clip (n={len(seconds)}, "
          f"{len(factors)} judged, decoding included), real-time factor {factor} (compute s per analysed s)")


def _face_forgery_speed(onnx_path: Path, name: str) -> None:
    """A face-forgery model: ms per aligned crop in batches of 16 and alone, and the occlusion heatmap."""
    from veracity.analyzers.learned._face_forgery_run import input_px, logits, occlusion_map

    crops = list(np.random.default_rng(0).integers(0, 256, (64, 224, 224, 3), dtype=np.uint8))
    logits(onnx_path, crops[:4])  # warm-up
    batched, single, heat = [], [], []
    for _ in range(3):
        started = time.perf_counter()
        logits(onnx_path, crops, batch=16)
        batched.append((time.perf_counter() - started) / len(crops))
        started = time.perf_counter()
        for crop in crops[:16]:
            logits(onnx_path, [crop])
        single.append((time.perf_counter() - started) / 16)
        started = time.perf_counter()
        occlusion_map(onnx_path, crops[0])
        heat.append(time.perf_counter() - started)
    print(f"{name}: median {1000 * statistics.median(batched):.2f} ms per face crop (batches of 16, "
          f"input {input_px(onnx_path)} px), {1000 * statistics.median(single):.2f} ms one at a time; "
          "occlusion heatmap "
          f"{1000 * statistics.median(heat):.0f} ms per file")


if __name__ == "__main__":
    main()
