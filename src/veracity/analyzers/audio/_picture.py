"""Waveform and spectrogram of a clip, with speech underlined and suspicious time spans marked in red."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

WIDTH_PX = 800
WAVE_PX = 80
SPEC_PX = 140
BAR_PX = 10
CACHE_KEY = "audio.timeline_canvas"


def _spectrogram_db(samples: np.ndarray, columns: int, rows: int) -> np.ndarray:
    n_fft = 512
    hop = max(1, samples.size // columns)
    # The windows are cut straight from the samples (zeros past the end): no padded copy of a 3-hour clip.
    starts = hop * np.arange(columns)
    windows = np.zeros((columns, n_fft), dtype=samples.dtype)
    inside = starts + n_fft <= samples.size
    windows[inside] = samples[starts[inside, None] + np.arange(n_fft)[None, :]]
    for row in np.flatnonzero(~inside):
        tail = samples[starts[row] : starts[row] + n_fft]
        windows[row, : tail.size] = tail
    power = np.abs(np.fft.rfft(windows * np.hanning(n_fft), axis=1)) ** 2
    db = 10 * np.log10(power + 1e-10)
    db = np.clip((db - (db.max() - 80)) / 80, 0, 1)  # 80 dB range
    bins = np.linspace(0, db.shape[1] - 1, rows).astype(int)
    return db[:, bins].T[::-1]  # low frequencies at the bottom


def base_canvas(samples: np.ndarray) -> np.ndarray:
    """RGB picture: waveform (min/max per column) above a log spectrogram, an empty speech bar below."""
    from veracity.pictures import colorize

    canvas = np.full((WAVE_PX + SPEC_PX + BAR_PX, WIDTH_PX, 3), 255, dtype=np.uint8)
    canvas[WAVE_PX + SPEC_PX :] = (235, 235, 235)
    if samples.size < WIDTH_PX:
        return canvas
    columns = samples[: samples.size - samples.size % WIDTH_PX].reshape(WIDTH_PX, -1)
    peak = max(float(samples.max()), -float(samples.min()), 1e-6)  # no |samples| copy of the whole clip
    mid = WAVE_PX // 2
    tops = (mid - columns.max(axis=1) / peak * (mid - 2)).astype(int)
    bottoms = (mid - columns.min(axis=1) / peak * (mid - 2)).astype(int)
    rows = np.arange(WAVE_PX)[:, None]
    canvas[:WAVE_PX][(rows >= tops[None, :]) & (rows <= bottoms[None, :])] = (40, 70, 140)
    canvas[WAVE_PX : WAVE_PX + SPEC_PX] = colorize(_spectrogram_db(samples, WIDTH_PX, SPEC_PX))
    return canvas


def shared_canvas(ctx: Any, samples: np.ndarray) -> np.ndarray:
    """The base picture of the file behind ``ctx``, drawn once for all voice analyzers."""
    return ctx.cached(CACHE_KEY, lambda: base_canvas(samples))  # type: ignore[no-any-return]


def timeline_png(samples: np.ndarray, sample_rate_hz: int, *, speech: Sequence[tuple[float, float]] = (),
                 marked: Sequence[tuple[float, float, float]] = (), canvas: np.ndarray | None = None) -> bytes:
    """PNG: waveform on top, spectrogram below, a bar showing speech (grey) and spans marked ``(start_s, end_s,
    strength)`` shaded red over both, strength 0..1 setting the shade. ``canvas`` reuses a drawn base picture."""
    from PIL import Image

    duration_s = max(samples.size / sample_rate_hz, 1e-6)
    picture = (canvas if canvas is not None else base_canvas(samples)).copy()
    top = WAVE_PX + SPEC_PX

    def span(start_s: float, end_s: float) -> slice:
        a = int(np.clip(start_s / duration_s * WIDTH_PX, 0, WIDTH_PX - 1))
        b = int(np.clip(end_s / duration_s * WIDTH_PX, a + 1, WIDTH_PX))
        return slice(a, b)

    for start_s, end_s in speech:
        picture[top + 2 : -2, span(start_s, end_s)] = (110, 110, 110)
    for start_s, end_s, strength in marked:
        cols = span(start_s, end_s)
        alpha = 0.2 + 0.3 * float(np.clip(strength, 0, 1))
        region = picture[:top, cols].astype(np.float32)
        picture[:top, cols] = (region * (1 - alpha) + np.array([220, 30, 30]) * alpha).astype(np.uint8)
        picture[:3, cols] = (220, 30, 30)
    from veracity.pictures import PNG_COMPRESS_LEVEL

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
