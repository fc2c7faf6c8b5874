"""Cut a clip into fixed-length analysis windows that hold speech."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from veracity.analyzers.audio._vad import SpeechSegment


@dataclass(frozen=True)
class Window:
    start_s: float
    end_s: float
    speech_s: float  # seconds of detected speech inside


def speech_windows(segments: Sequence[SpeechSegment], duration_s: float, window_s: float,
                   min_speech_s: float = 1.0, max_windows: int | None = None) -> list[Window]:
    """Consecutive windows that start at speech onsets; those with less than ``min_speech_s`` of speech dropped.

    A window is placed at the first speech not yet covered and spans ``window_s`` (cut at the end of the clip).
    With ``max_windows``, windows are picked evenly across the clip so long files stay fast.
    """
    windows: list[Window] = []
    covered_until = -1.0
    for seg in segments:
        start = max(seg.start_s, covered_until)
        while start < seg.end_s:
            end = min(start + window_s, duration_s)
            speech = sum(max(0.0, min(end, s.end_s) - max(start, s.start_s)) for s in segments)
            if speech >= min(min_speech_s, 0.8 * (end - start)):
                windows.append(Window(round(start, 3), round(end, 3), round(speech, 3)))
            covered_until = end
            start = end
            if end >= duration_s:
                break
    if max_windows is not None and len(windows) > max_windows:
        picks = np.linspace(0, len(windows) - 1, max_windows).round().astype(int)
        windows = [windows[i] for i in sorted(set(picks.tolist()))]
    return windows


def window_samples(samples: np.ndarray, sample_rate_hz: int, window: Window, length: int) -> np.ndarray:
    """Exactly ``length`` samples from the window; a short tail is repeated to fill, as AASIST's authors do."""
    piece = samples[int(window.start_s * sample_rate_hz) : int(window.start_s * sample_rate_hz) + length]
    if piece.size == 0:
        return np.zeros(length, dtype=np.float32)
    if piece.size < length:
        piece = np.tile(piece, length // piece.size + 1)[:length]
    return np.ascontiguousarray(piece, dtype=np.float32)
