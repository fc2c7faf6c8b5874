"""Decode the audio track of any file to mono float32 at a chosen sample rate, into one preallocated array."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from veracity.errors import UnsupportedMedia

_UNKNOWN_LENGTH_S = 60.0  # first guess when neither the container nor the caller knows the duration


def load_mono(
    path: str | Path,
    sample_rate_hz: int,
    max_seconds: float | None = None,
    *,
    expected_s: float | None = None,
    container: str | None = None,
) -> np.ndarray:
    """Return samples in [-1, 1]; an empty array when the file has no audio stream.

    Samples are streamed into one array sized from the duration (``expected_s``, else the container's) and capped
    at ``max_seconds``: 3 hours at 16 kHz is one 0.7 GB array, not chunks + their concatenation + a converted copy.
    The array grows (by half) only when the file holds more than its header said.
    """
    import av

    from veracity.media._av import open_av
    from veracity.media._sniff import sniff_container
    from veracity.media.probe import read_head

    path = Path(path)
    if container is None:
        container = sniff_container(read_head(path)[1])
    limit = int(max_seconds * sample_rate_hz) if max_seconds else None
    buffer = np.zeros(0, dtype=np.float32)
    filled = 0
    try:
        with open_av(path, container) as handle:
            if not handle.streams.audio:
                return np.zeros(0, dtype=np.float32)
            stream = handle.streams.audio[0]
            if expected_s is None:
                if stream.duration and stream.time_base:
                    expected_s = float(stream.duration * stream.time_base)
                elif handle.duration:
                    expected_s = handle.duration / 1_000_000
            capacity = int((expected_s or _UNKNOWN_LENGTH_S) * sample_rate_hz * 1.01) + sample_rate_hz
            buffer = np.empty(min(capacity, limit) if limit else capacity, dtype=np.float32)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate_hz)
            full = False
            for frame in handle.decode(stream):
                for out in resampler.resample(frame):
                    buffer, filled, full = _append(buffer, filled, out.to_ndarray().reshape(-1), limit)
                if full:
                    break
            if not full:
                for out in resampler.resample(None):
                    buffer, filled, full = _append(buffer, filled, out.to_ndarray().reshape(-1), limit)
    except av.error.FFmpegError as exc:
        if filled == 0:
            raise UnsupportedMedia(f"{path}: audio could not be decoded ({exc.strerror})") from exc
    except MemoryError as exc:
        raise UnsupportedMedia(f"{path}: the audio needs more memory than this process may use") from exc
    samples = buffer[:filled]
    # A float stream may carry NaN or infinite samples (a damaged file): silence, as a player plays them. The sum
    # finds them without a per-sample mask; they are replaced a band at a time.
    if not np.isfinite(samples.sum(dtype=np.float64)):
        for start in range(0, samples.size, 1 << 20):
            np.nan_to_num(samples[start : start + (1 << 20)], copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return samples.copy() if filled < 0.9 * buffer.size else samples


def _append(
    buffer: np.ndarray, filled: int, chunk: np.ndarray, limit: int | None
) -> tuple[np.ndarray, int, bool]:
    """Copy ``chunk`` in at ``filled``; returns the (maybe grown) buffer, the new fill and whether it is full."""
    room = (limit - filled) if limit is not None else chunk.size
    take = min(chunk.size, room)
    if filled + take > buffer.size:
        grown = max(filled + take, buffer.size + buffer.size // 2)
        bigger = np.empty(min(grown, limit) if limit is not None else grown, dtype=np.float32)
        bigger[:filled] = buffer[:filled]
        buffer = bigger
    buffer[filled : filled + take] = chunk[:take]
    filled += take
    return buffer, filled, limit is not None and filled >= limit
