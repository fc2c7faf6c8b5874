"""Inference speed of the learned detectors: seconds per image (learned.ai_image) and per face crop (MesoNet-4).

    .venv/bin/python bench/learned_speed.py CORPUS [--mesonet STORE_DIR] [--images 12]

``STORE_DIR`` is a model store holding ``mesonet4_df/meso4_df.onnx`` (``veracity models import mesonet4_df``).
Times are wall-clock medians on this machine; the image time includes decoding-free feature extraction and the
model, not file decoding.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--mesonet", type=Path, default=None)
    parser.add_argument("--images", type=int, default=12)
    args = parser.parse_args()

    from veracity.analyzers.learned._ai_image_features import feature_names, image_features
    from veracity.analyzers.learned._tabular import TabularModel
    from veracity.media.image import load_rgb
    from veracity.models.registry import shipped_file

    model = TabularModel.from_json(shipped_file("ai_image"))
    with open(args.corpus / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["category"] == "image"][: args.images]
    seconds, pixels = [], []
    for row in rows:
        rgb = load_rgb(args.corpus / row["path"])
        started = time.perf_counter()
        model.log_odds_named(image_features(rgb, colour_only=True), feature_names())
        seconds.append(time.perf_counter() - started)
        pixels.append(rgb.shape[0] * rgb.shape[1] / 1e6)
    print(f"learned.ai_image: median {statistics.median(seconds):.3f} s per image "
          f"(n={len(seconds)}, {statistics.median(pixels):.1f} MP median)")

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


if __name__ == "__main__":
    main()
