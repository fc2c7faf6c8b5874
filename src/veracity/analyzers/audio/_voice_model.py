"""The shipped voice-forensics classifier: standardised features -> logistic regression, evaluated in numpy.

Trained by ``training/voice_forensics/train.py``; see ``veracity/models/voice_forensics.md`` for its card.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from veracity.analyzers.audio._vad import SpeechSegment
from veracity.analyzers.audio._voice_features import SAMPLE_RATE_HZ, cepstral_features, window_features
from veracity.analyzers.audio._windows import Window, speech_windows

WINDOW_S = 4.0


@dataclass(frozen=True)
class VoiceModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, rows: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(rows) - self.mean) / self.scale
        return np.clip(z, -6, 6) @ self.coef + self.intercept

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        """Each feature's share of one window's logit (for explaining a score)."""
        z = np.clip((row - self.mean) / self.scale, -6, 6)
        return {name: float(v) for name, v in zip(self.features, z * self.coef, strict=False)}

    def to_json(self) -> str:
        return json.dumps({
            "format": "veracity.logistic.v1", "features": list(self.features), "mean": self.mean.tolist(),
            "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept,
            "window_s": WINDOW_S,
        }, indent=1) + "\n"


@cache
def load(path: Path) -> VoiceModel:
    data = json.loads(Path(path).read_text())
    if data.get("format") != "veracity.logistic.v1":
        raise ValueError(f"{path}: not a veracity logistic model")
    return VoiceModel(tuple(data["features"]), np.asarray(data["mean"]), np.asarray(data["scale"]),
                      np.asarray(data["coef"]), float(data["intercept"]))


def file_windows(samples_16k: np.ndarray, segments: Sequence[SpeechSegment], max_windows: int | None,
                 cepstral: bool = True) -> list[tuple[Window, dict[str, float]]]:
    """Features for each speech window of a clip (shared by the analyzer and the training script); the cepstral
    statistics only with ``cepstral`` (a model that uses none of them need not pay for them)."""
    duration_s = samples_16k.size / SAMPLE_RATE_HZ
    out = []
    for window in speech_windows(segments, duration_s, WINDOW_S, max_windows=max_windows):
        a, b = int(window.start_s * SAMPLE_RATE_HZ), int(window.end_s * SAMPLE_RATE_HZ)
        relative = [(max(s.start_s, window.start_s) - window.start_s, min(s.end_s, window.end_s) - window.start_s)
                    for s in segments if s.end_s > window.start_s and s.start_s < window.end_s]
        piece = samples_16k[a:b]
        features = window_features(piece, relative)
        out.append((window, features | cepstral_features(piece, relative) if cepstral else features))
    return out
