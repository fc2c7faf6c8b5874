"""Decode the audio track of any file to mono float32 at a chosen sample rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from veracity.errors import UnsupportedMedia


def load_mono(path: str | Path, sample_rate_hz: int, max_seconds: float | None = None) -> np.ndarray:
    """Return samples in [-1, 1]; an empty array when the file has no audio stream."""
    import av

    chunks: list[np.ndarray] = []
    total = 0
    limit = int(max_seconds * sample_rate_hz) if max_seconds else None
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                return np.zeros(0, dtype=np.float32)
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate_hz)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if limit is not None and total >= limit:
                    break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        if not chunks:
            raise UnsupportedMedia(f"{path}: audio could not be decoded ({exc.strerror})") from exc
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, dtype=np.float32)
    return samples[:limit] if limit is not None else samples
