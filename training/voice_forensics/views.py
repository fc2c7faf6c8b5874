"""Feature rows of every file the voice model is trained or scored on, one matrix per *view* of the file, cached.

Views: ``plain`` (the file as published), ``laundered`` (the bench's platform recipe), ``neutral`` (the neutral
recipe: the first 6 s, re-encoded) and ``aug<k>`` (the k-th random training damage; training only). Rows are the
all-feature vectors (``ALL_FEATURES``) of the windows the analyzer scores under the default profile, so a model
fitted on any column subset scores a file exactly as the analyzer would.

The random training damage decodes both classes the same way and re-encodes them at random, so that container,
codec, sample rate, loudness, leading/trailing silence and length stop following the label (corpus-train: FLAC
only among real speech; sample rates by source): a random crop of 0-30 % at each end, a random gain, a random
band limit (p 0.3), low room-like noise (p 0.25), then one or two lossy passes (MP3 / Opus / AAC at random rates and
bit rates) or none, and a final decode to 16 kHz.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import io
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np

from training.voice_forensics._interim import Item, damaged
from veracity.analyzers.audio._voice_features import BAND_FEATURES, CEPSTRAL_FEATURES, FEATURES, SAMPLE_RATE_HZ

ALL_FEATURES: tuple[str, ...] = FEATURES + CEPSTRAL_FEATURES + BAND_FEATURES
DECODE_RATES_HZ = (16_000, 22_050, 24_000, 44_100)
CODECS = {  # codec: (container, sample rates it takes, bit rates)
    "libmp3lame": ("mp3", (16_000, 22_050, 24_000, 44_100), (32_000, 48_000, 64_000, 96_000, 128_000)),
    "libopus": ("ogg", (16_000, 24_000, 48_000), (16_000, 24_000, 32_000, 48_000, 64_000)),
    "aac": ("adts", (16_000, 22_050, 44_100), (48_000, 64_000, 96_000, 128_000)),
}


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


def encode(samples: np.ndarray, rate_hz: int, codec: str, bit_rate: int) -> bytes:
    """Mono float samples encoded with ``codec`` at ``bit_rate`` (training damage only)."""
    import av

    container, _rates, _bit_rates = CODECS[codec]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate_hz, layout="mono")
        stream.bit_rate = bit_rate
        step = 960 * rate_hz // 48_000 if codec == "libopus" else 1152
        for start in range(0, samples.size, step):
            piece = np.ascontiguousarray(samples[None, start : start + step], dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
            frame.sample_rate = rate_hz
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def resample(samples: np.ndarray, rate_hz: int, target_hz: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate_hz == target_hz:
        return samples.astype(np.float32)
    g = int(np.gcd(rate_hz, target_hz))
    return resample_poly(samples, target_hz // g, rate_hz // g).astype(np.float32)


def decode(data: bytes, rate_hz: int) -> np.ndarray:
    import tempfile

    from veracity.media.audio import load_mono

    with tempfile.NamedTemporaryFile(suffix=".bin") as handle:
        handle.write(data)
        handle.flush()
        return load_mono(handle.name, rate_hz)


def random_damage(path: Path, rng: np.random.Generator) -> np.ndarray:
    """16 kHz samples of ``path`` after one random draw of the training damage (see the module docstring)."""
    from scipy.signal import butter, sosfilt

    from veracity.media.audio import load_mono

    rate = int(rng.choice(DECODE_RATES_HZ))
    samples = load_mono(path, rate).astype(np.float64)
    n = samples.size
    if n > 4 * rate:
        a, b = (int(rng.uniform(0, 0.3) * n) for _ in range(2))
        samples = samples[a : n - b] if n - a - b >= 3 * rate else samples
    if rng.random() < 0.3:
        cutoff = rng.uniform(3_800, min(7_600, 0.47 * rate))
        samples = sosfilt(butter(8, cutoff, fs=rate, output="sos"), samples)
    if rng.random() < 0.25:
        rms = float(np.sqrt(np.mean(samples**2))) or 1.0
        noise = rng.standard_normal(samples.size)
        if rng.random() < 0.5:  # brown-ish room rumble rather than hiss
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(201) / 201, mode="same")
        noise *= rms * 10 ** (-rng.uniform(25, 50) / 20) / (float(np.std(noise)) or 1.0)
        samples = samples + noise
    peak = float(np.abs(samples).max()) or 1.0
    samples = (samples / peak * 10 ** (-rng.uniform(0.5, 25) / 20)).astype(np.float32)
    for _pass in range(int(rng.choice([0, 1, 1, 1, 2]))):
        codec = str(rng.choice(sorted(CODECS)))
        _container, rates, bit_rates = CODECS[codec]
        target = int(rng.choice(rates))
        data = encode(resample(samples, rate, target), target, codec, int(rng.choice(bit_rates)))
        rate = int(rng.choice(DECODE_RATES_HZ))
        samples = decode(data, rate)
    return resample(samples, rate, SAMPLE_RATE_HZ)


def view_samples(item: Item, view: str, seed: int) -> np.ndarray:
    from veracity.config import Limits
    from veracity.media.audio import load_mono

    if view == "plain":
        return load_mono(item.path, SAMPLE_RATE_HZ, max_seconds=Limits().max_duration_s)
    if view in ("laundered", "neutral"):
        return load_mono(damaged(item.path, view), SAMPLE_RATE_HZ, max_seconds=Limits().max_duration_s)
    rng = np.random.default_rng([seed, int(item.sha256[:12], 16), int(view[3:])])
    return random_damage(item.path, rng)


def code_digest(*extra: Callable[..., object]) -> str:
    """Hash of the code the cached rows depend on, so a change to it is never hidden by the cache."""
    digest = hashlib.sha256(repr((ALL_FEATURES, CODECS, DECODE_RATES_HZ)).encode())
    for function in (analyzer_rows, encode, resample, random_damage, view_samples, damaged, *extra):
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
