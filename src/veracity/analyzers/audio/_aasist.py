"""Score speech windows with AASIST (ONNX, converted from the published weights at fetch time).

AASIST (Jung et al., ICASSP 2022) reads 64,600 raw samples (4.04 s at 16 kHz) and separates bona fide speech from
the text-to-speech and voice-conversion attacks of ASVspoof 2019 LA (EER 0.83%). Out of that domain it is much
weaker: newer vocoders, studio-clean read speech (it often calls LJSpeech-style recordings spoofed), heavy
compression, music and noise all move its score. Treat it as one signal among several.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

INPUT_SAMPLES = 64_600
SAMPLE_RATE_HZ = 16_000
WINDOW_S = INPUT_SAMPLES / SAMPLE_RATE_HZ
SPOOF_INDEX = 0  # the published model's output index 1 is bona fide


@cache
def session(onnx_path: Path) -> Any:
    from veracity.models.runtime import inference_session

    return inference_session(onnx_path, threads=2)


def p_spoof(onnx_path: Path, windows: list[np.ndarray]) -> np.ndarray:
    """Softmax probability of *spoofed* speech for each (64,600,) float32 window."""
    run = session(onnx_path)
    out = []
    for window in windows:
        logits = run.run(None, {"waveform": window[None, :].astype(np.float32)})[0][0].astype(np.float64)
        exp = np.exp(logits - logits.max())
        out.append(exp[SPOOF_INDEX] / exp.sum())
    return np.asarray(out, dtype=np.float64)
