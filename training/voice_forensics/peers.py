"""The AASIST peers scored on the same files and views as ``audio.voice_forensics`` (see ``__main__``).

    VERACITY_MODEL_DIR=STORE .venv/bin/python -m training.voice_forensics.peers

STORE holds the converted AASIST models (``veracity models import aasist --from /work/shared/models/aasist``);
the published weights are never committed. Each file is scored as the ``audio.aasist`` analyzer does under the
default profile (up to 8 windows of 4.04 s at speech onsets, mean spoof probability); no calibration.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from training import corpora, metrics
from training.voice_forensics.__main__ import VIEWS, figures, voice_rows
from training.voice_forensics.views import view_samples


def aasist_p(samples: np.ndarray, onnx_path: Path) -> float | None:
    from veracity.analyzers.audio import _aasist
    from veracity.analyzers.audio._common import too_little_speech
    from veracity.analyzers.audio._vad import detect_speech
    from veracity.analyzers.audio._windows import speech_windows, window_samples

    segments = detect_speech(samples)
    if too_little_speech(segments) is not None:
        return None
    windows = speech_windows(segments, samples.size / 16_000, _aasist.WINDOW_S, max_windows=8)
    if not windows:
        return None
    scores = _aasist.p_spoof(onnx_path, [window_samples(samples, 16_000, w, _aasist.INPUT_SAMPLES) for w in windows])
    return float(np.mean(scores))


def main() -> None:
    from veracity.models.registry import require_output

    parser = argparse.ArgumentParser()
    corpora.add_arguments(parser)
    parser.add_argument("--variants", default="aasist-l,aasist")
    parser.add_argument("--out", type=Path, default=corpora.REPO / "build" / "protocol" / "peers" / "audio.aasist.json")
    args = parser.parse_args()
    items = [i for i in voice_rows(*corpora.from_arguments(args)) if i.corpus == "unseen" and i.category == "audio"]
    scores: dict[str, dict[str, dict[str, float]]] = {}
    samples = {(i.key, v): view_samples(i, v, 0) for i in items for v in VIEWS}
    report: dict[str, dict] = {}
    for variant in args.variants.split(","):
        onnx = require_output("aasist", f"{variant}.onnx", None)
        scores[variant] = {v: {} for v in VIEWS}
        for item in items:
            for view in VIEWS:
                if (p := aasist_p(samples[(item.key, view)], onnx)) is not None:
                    scores[variant][view][item.key] = round(p, 6)
        report[variant] = {v: figures(scores[variant][v], items) for v in VIEWS}
        report[variant]["per_generator_neutral"] = metrics.per_generator(items, scores[variant]["neutral"])
        print(variant, json.dumps(report[variant]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"figures": report, "scores": scores}, indent=1) + "\n")


if __name__ == "__main__":
    main()
