"""Speaker-embedding consistency: does the same voice speak throughout, or does it change mid-stream?

Embeddings come from Resemblyzer's voice encoder (a 3-layer LSTM, GE2E loss: Wan et al., "Generalized End-to-End
Loss for Speaker Verification", ICASSP 2018), whose weights ship in the ``resemblyzer`` wheel. The package's own
code imports librosa at import time, so this module reads the weights file directly, rebuilds the small network
in torch, and computes the same 40-band mel spectrogram (25 ms window, 10 ms hop) in numpy.

A spliced recording (a cloned sentence pasted into a real speech) can show as a short stretch whose voice
embedding sits apart from the rest. Fails when: several people really speak (turn-taking looks the same), the
voice clone is good enough to match the speaker, or stretches are too short (< 1.6 s) to embed reliably.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE_HZ = 16_000
N_FFT = 400
HOP = 160
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, mel)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (mel - 15.0)), mel * 200.0 / 3)


@cache
def _mel_filters() -> np.ndarray:
    """Slaney-style mel filterbank (area-normalised triangles), as librosa builds it by default."""
    fft_hz = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE_HZ)
    top_mel = float(_hz_to_mel(np.asarray(SAMPLE_RATE_HZ / 2)))
    edges_hz = _mel_to_hz(np.linspace(0.0, top_mel, N_MELS + 2))
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (edges_hz[2 : N_MELS + 2] - edges_hz[:N_MELS]))[:, None]


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram, centred frames with zero padding."""
    padded = np.pad(samples.astype(np.float64), N_FFT // 2)
    n = 1 + (padded.size - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    power = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** 2
    return (power @ _mel_filters().T).astype(np.float32)


def weights_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("resemblyzer", name="resemblyzer")
    return Path(spec.submodule_search_locations[0]) / "pretrained.pt"


@cache
def _encoder() -> Any:
    import torch
    from torch import nn

    class VoiceEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
            self.linear = nn.Linear(256, 256)

        def forward(self, mels: torch.Tensor) -> torch.Tensor:
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.norm(raw, dim=1, keepdim=True).clamp_min(1e-9)

    checkpoint = torch.load(weights_path(), map_location="cpu", weights_only=True)
    state = {k: v for k, v in checkpoint["model_state"].items() if k.startswith(("lstm.", "linear."))}
    encoder = VoiceEncoder()
    encoder.load_state_dict(state)
    return encoder.eval()


def embed_spans(samples: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    """One L2-normalised 256-d embedding per (start_s, end_s) span (each at least 1.6 s long)."""
    import torch

    mels = []
    for start_s, end_s in spans:
        piece = samples[int(start_s * SAMPLE_RATE_HZ) : int(end_s * SAMPLE_RATE_HZ)]
        rms = float(np.sqrt(np.mean(piece**2))) if piece.size else 0.0
        piece = piece * (10 ** (-30 / 20) / rms) if rms > 0 else piece  # -30 dBFS, as the encoder was trained
        mel = mel_frames(piece)
        mels.append(mel[:PARTIAL_FRAMES] if mel.shape[0] >= PARTIAL_FRAMES else
                    np.pad(mel, ((0, PARTIAL_FRAMES - mel.shape[0]), (0, 0))))
    with torch.no_grad():
        return _encoder()(torch.from_numpy(np.stack(mels))).numpy()


def consistency(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity of each span to the robust centre (median) of all spans."""
    centre = np.median(embeddings, axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-9)
    return embeddings @ centre
