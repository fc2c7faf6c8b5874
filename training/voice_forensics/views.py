"""Feature rows of every file the voice model is trained or scored on, one matrix per *view* of the file, cached.

Views: ``plain`` (the file as published), ``laundered`` (the bench's platform recipe), ``neutral`` (the neutral
recipe: the first 6 s, re-encoded; both recipes from ``veracity.media.damage``) and ``aug<k>`` (the k-th random
training damage; training only). Rows are the all-feature vectors (``ALL_FEATURES``) of the windows the analyzer
scores under the default profile, so a model fitted on any column subset scores a file exactly as the analyzer
would.

The random training damage is ``veracity.media.damage.random_launder_audio``: both classes decoded and re-encoded
the same random way, so that container, codec, sample rate, loudness, leading/trailing silence and length stop
following the label (corpus-train: FLAC only among real speech; sample rates by source).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from training.corpora import Row
from veracity.analyzers.audio._voice_features import BAND_FEATURES, CEPSTRAL_FEATURES, FEATURES, SAMPLE_RATE_HZ
from veracity.media.damage import AUDIO_CODECS, AUDIO_DECODE_RATES_HZ, encode_audio, random_launder_audio

ALL_FEATURES: tuple[str, ...] = FEATURES + CEPSTRAL_FEATURES + BAND_FEATURES


def analyzer_rows(samples_16k: np.ndarray, max_windows: int | None = 8) -> np.ndarray | None:
    """All-feature rows of the windows the analyzer scores; None where it would abstain (too little speech)."""
    from veracity.analyzers.audio._common import too_little_speech
    from veracity.analyzers.audio._vad import detect_speech
    from veracity.analyzers.audio._voice_features import feature_vector
    from veracity.analyzers.audio._voice_model import file_windows

    segments = detect_speech(samples_16k)
    if too_little_speech(segments) is not None:
        return None
    windows = file_windows(samples_16k, segments, max_windows)
    return np.array([feature_vector(f, ALL_FEATURES) for _w, f in windows]) if windows else None


def view_rows(item: Row, view: str, seed: int) -> np.ndarray | None:
    """The analyzer's feature rows of one view of ``item``."""
    return analyzer_rows(view_samples(item, view, seed))


def view_samples(item: Row, view: str, seed: int) -> np.ndarray:
    from veracity.config import Limits
    from veracity.media.audio import load_mono

    if view == "plain":
        return load_mono(item.path, SAMPLE_RATE_HZ, max_seconds=Limits().max_duration_s)
    if view in ("laundered", "neutral"):
        return load_mono(damaged(item.path, view), SAMPLE_RATE_HZ, max_seconds=Limits().max_duration_s)
    rng = np.random.default_rng([seed, int(item.manifest.sha256[:12], 16), int(view[3:])])
    return random_launder_audio(item.path, rng, SAMPLE_RATE_HZ)


def damaged(path: Path, recipe: str) -> Path:
    """The sound of ``path`` after the platform recipe ("laundered") or the neutral recipe (``veracity.media.damage``).

    Audio files: the recipe's own copy. Videos: only their sound track, as the recipes encode it (AAC 128 kb/s at
    44.1 kHz; neutral: the first 5 s), so that no picture has to be re-encoded to score the voice."""
    from veracity.evidence import MediaKind
    from veracity.media.audio import load_mono
    from veracity.media.damage import launder
    from veracity.media.probe import probe, sha256_file

    if probe(path).kind is not MediaKind.VIDEO:
        return launder(path, recipe="platform" if recipe == "laundered" else "neutral")
    dst = Path.home() / ".cache" / "veracity" / f"voice-{recipe}-v1" / f"{sha256_file(path)}.aac"
    if not dst.is_file():
        dst.parent.mkdir(parents=True, exist_ok=True)
        samples = load_mono(path, 44_100, max_seconds=None if recipe == "laundered" else 5.0)
        partial = dst.with_suffix(".part")
        partial.write_bytes(encode_audio(samples, 44_100, "aac", 128_000))
        partial.replace(dst)
    return dst


def code_digest(*extra: Callable[..., Any]) -> str:
    """Hash of the code the cached rows depend on, so a change to it is never hidden by the cache."""
    digest = hashlib.sha256(repr((ALL_FEATURES, AUDIO_CODECS, AUDIO_DECODE_RATES_HZ)).encode())
    functions: list[Callable[..., Any]] = [analyzer_rows, random_launder_audio, encode_audio, view_samples, damaged]
    for function in functions + list(extra):
        digest.update(inspect.getsource(function).encode())
    for name in ("analyzers.audio._vad", "analyzers.audio._voice_features", "analyzers.audio._voice_model",
                 "analyzers.audio._windows", "analyzers.audio._common", "media.audio"):
        digest.update(Path(importlib.import_module(f"veracity.{name}").__file__ or "").read_bytes())
    return digest.hexdigest()[:12]


class RowCache:
    """Feature rows per (file sha256, view), one pickle per file under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, sha256: str, view: str, make: Callable[[], np.ndarray | None]) -> np.ndarray | None:
        path = self.folder / f"{sha256}-{view}.pkl"
        if path.is_file():
            return pickle.loads(path.read_bytes())  # type: ignore[no-any-return]
        rows = make()
        partial = path.with_suffix(".part")
        partial.write_bytes(pickle.dumps(rows))
        partial.replace(path)
        return rows
