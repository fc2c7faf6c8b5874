"""Sound made in code: melodies rich in spectral peaks, WAV/MP3 writing and reading, and real synthetic speech
from espeak-ng where it is installed (``tone`` and odd containers live in ``veracity.testing.containers``)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np

RATE_HZ = 16_000
SENTENCE = ("The committee will meet again on Thursday to discuss the budget for next year, "
            "and the results will be announced on Friday morning.")


def music(seed: int, seconds: float = 12.0, sample_rate_hz: int = RATE_HZ) -> np.ndarray:
    """A random melody of harmonic notes with percussive clicks: rich enough in spectral peaks to fingerprint."""
    rng = np.random.default_rng(seed)
    total = int(seconds * sample_rate_hz)
    out = np.zeros(total, np.float32)
    t0 = 0
    while t0 < total:
        length = int(rng.uniform(0.12, 0.4) * sample_rate_hz)
        t = np.arange(min(length, total - t0)) / sample_rate_hz
        base = 110.0 * 2 ** (rng.integers(0, 36) / 12)
        note = sum(np.sin(2 * np.pi * base * k * t) / k for k in range(1, 5))
        envelope = np.exp(-t * rng.uniform(2, 8))
        out[t0:t0 + len(t)] += (0.3 * note * envelope).astype(np.float32)
        t0 += len(t)
    return out / max(1e-6, float(np.abs(out).max())) * 0.8


def write_audio(samples: np.ndarray, path: Path, sample_rate_hz: int = RATE_HZ, codec: str | None = None) -> Path:
    """Mono samples in [-1, 1] through PyAV: PCM for ``.wav``, MP3 otherwise (or ``codec``)."""
    import av

    codec = codec or ("pcm_s16le" if path.suffix == ".wav" else "libmp3lame")
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream(codec, rate=sample_rate_hz, layout="mono")
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = sample_rate_hz
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_wav(path: Path, samples: np.ndarray, rate_hz: int = RATE_HZ) -> Path:
    """16-bit mono WAV with the standard library only."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(pcm.tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as src:
        rate = src.getframerate()
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2").astype(np.float32) / 32768
    return data, rate


def has_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak(path: Path, text: str = SENTENCE, voice: str = "en-us", pitch: int = 50) -> Path:
    """Synthetic speech from espeak-ng (a real TTS, made locally); check ``has_espeak()`` first."""
    subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-w", str(path), text], check=True)
    return path
