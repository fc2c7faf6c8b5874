"""Speech activity with Silero VAD's ONNX model (shipped in ``veracity/models``), run by onnxruntime.

Silero VAD v5/v6 (Silero Team, 2024, MIT) scores 32 ms chunks (512 samples at 16 kHz, with the previous chunk's
last 64 samples as context and a recurrent state) for the probability of speech. Its sequence export (copied from
the ``silero-vad`` wheel) scores all chunks of a clip in one onnxruntime call (identical outputs, about 4x faster
than one call per chunk with ``silero_vad.onnx`` and its 2×1×128 state). Chunks are then joined into segments with
hysteresis, a minimum speech length and a minimum pause. It misses whispered speech and speech under loud music,
and may mark singing or laughter as speech. The wheel itself is not a dependency: it declares torch, which only its
Python code needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

SAMPLE_RATE_HZ = 16_000
CHUNK_SAMPLES = 512
CONTEXT_SAMPLES = 64
CHUNK_S = CHUNK_SAMPLES / SAMPLE_RATE_HZ
CACHE_KEY = "audio.speech_segments"


@dataclass(frozen=True)
class SpeechSegment:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class VadParams:
    threshold: float = 0.5
    release: float = 0.35  # speech ends when the probability falls below this
    min_speech_s: float = 0.25
    min_pause_s: float = 0.1
    pad_s: float = 0.03


BLOCK_CHUNKS = 4096  # chunks per call (about 131 s); the recurrent state carries across calls


@cache
def _session() -> Any:
    from veracity.models.registry import shipped_file
    from veracity.models.runtime import inference_session

    # log_severity 3: the exported graph carries unused initializers; their warnings are noise
    return inference_session(shipped_file("silero-vad"), threads=1, log_severity=3)


def speech_probabilities(samples_16k: np.ndarray) -> np.ndarray:
    """Probability of speech for each 32 ms chunk of 16 kHz mono audio.

    Each row fed to the model is the chunk's 512 samples preceded by the previous chunk's last 64 (zeros first);
    the LSTM state (h, c: 1×1×128 each) runs through the whole clip.
    """
    session = _session()
    n_chunks = int(np.ceil(samples_16k.size / CHUNK_SAMPLES))
    h = np.zeros((1, 1, 128), dtype=np.float32)
    c = np.zeros((1, 1, 128), dtype=np.float32)
    probabilities = np.empty(n_chunks, dtype=np.float32)
    row = np.arange(CONTEXT_SAMPLES + CHUNK_SAMPLES)[None, :]
    # One block (about 131 s) is padded at a time, never a second copy of the whole clip (3 h = 0.7 GB).
    padded = np.zeros(CONTEXT_SAMPLES + BLOCK_CHUNKS * CHUNK_SAMPLES, dtype=np.float32)
    for first in range(0, n_chunks, BLOCK_CHUNKS):
        count = min(BLOCK_CHUNKS, n_chunks - first)
        start = first * CHUNK_SAMPLES - CONTEXT_SAMPLES
        piece = samples_16k[max(0, start) : (first + count) * CHUNK_SAMPLES]
        padded[:] = 0.0
        offset = CONTEXT_SAMPLES if start < 0 else 0
        padded[offset : offset + piece.size] = piece
        frames = padded[row + CHUNK_SAMPLES * np.arange(count)[:, None]]
        out, h, c = session.run(None, {"input": frames, "h": h, "c": c})
        probabilities[first : first + count] = np.asarray(out, dtype=np.float32).reshape(-1)
    return probabilities


def segments_from_probabilities(probabilities: np.ndarray, duration_s: float,
                                params: VadParams = VadParams()) -> list[SpeechSegment]:
    """Join speech chunks into segments (hysteresis, short pauses bridged, short bursts dropped, padded)."""
    raw: list[list[float]] = []
    start: float | None = None
    for i, p in enumerate(probabilities):
        t = i * CHUNK_S
        if start is None and p >= params.threshold:
            start = t
        elif start is not None and p < params.release:
            raw.append([start, t])
            start = None
    if start is not None:
        raw.append([start, len(probabilities) * CHUNK_S])
    merged: list[list[float]] = []
    for seg in raw:
        if merged and seg[0] - merged[-1][1] < params.min_pause_s:
            merged[-1][1] = seg[1]
        else:
            merged.append(seg)
    return [
        SpeechSegment(round(max(0.0, a - params.pad_s), 3), round(min(duration_s, b + params.pad_s), 3))
        for a, b in merged
        if b - a >= params.min_speech_s
    ]


def detect_speech(samples_16k: np.ndarray, params: VadParams = VadParams()) -> list[SpeechSegment]:
    """Speech segments of 16 kHz mono audio; empty for silence, noise or music without voice."""
    if samples_16k.size == 0:
        return []
    return segments_from_probabilities(speech_probabilities(samples_16k), samples_16k.size / SAMPLE_RATE_HZ, params)


def speech_segments(ctx: Any) -> list[SpeechSegment]:
    """Speech segments of the file behind ``ctx`` (an ``AnalysisContext``), computed once and shared.

    Cached on the context as ``"audio.speech_segments"`` so other analyzers (lip-sync) reuse them.
    """
    return ctx.cached(CACHE_KEY, lambda: detect_speech(ctx.audio(SAMPLE_RATE_HZ)))  # type: ignore[no-any-return]
