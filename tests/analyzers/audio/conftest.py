from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

RATE_HZ = 16_000
SENTENCE = ("The committee will meet again on Thursday to discuss the budget for next year, "
            "and the results will be announced on Friday morning.")


def write_wav(path: Path, samples: np.ndarray, rate_hz: int = RATE_HZ) -> Path:
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


def espeak(path: Path, text: str = SENTENCE, voice: str = "en-us", pitch: int = 50) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/install-system-deps.sh)")
    subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-w", str(path), text], check=True)
    return path


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
