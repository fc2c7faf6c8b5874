from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.testing import sound
from veracity.testing.sound import RATE_HZ, read_wav, write_wav

__all__ = ["RATE_HZ", "espeak", "read_wav", "write_wav"]


def espeak(path: Path, text: str = sound.SENTENCE, voice: str = "en-us", pitch: int = 50) -> Path:
    if not sound.has_espeak():
        pytest.skip("espeak-ng is not installed (scripts/install-system-deps.sh)")
    return sound.espeak(path, text, voice, pitch)


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic speech (espeak-ng) between one second of silence before and after, 16 kHz mono WAV."""
    folder = tmp_path_factory.mktemp("speech")
    raw, rate = read_wav(espeak(folder / "raw.wav"))
    from scipy.signal import resample_poly

    speech = resample_poly(raw, RATE_HZ, rate).astype(np.float32) if rate != RATE_HZ else raw
    silence = np.zeros(RATE_HZ, dtype=np.float32)
    return write_wav(folder / "speech.wav", np.concatenate([silence, speech, silence]))


@pytest.fixture(scope="session")
def silence_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    return write_wav(tmp_path_factory.mktemp("silence") / "silence.wav",
                     (rng.standard_normal(3 * RATE_HZ) * 1e-4).astype(np.float32))
