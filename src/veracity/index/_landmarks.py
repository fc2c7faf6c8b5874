"""Spectral-landmark audio fingerprint: pairs of spectrogram peaks hashed with their time gap.

After Wang, "An Industrial-Strength Audio Search Algorithm" (ISMIR 2003, the Shazam paper). The loudest local
peaks of a log spectrogram (8 kHz audio, 128 ms windows) survive re-encoding, resampling, volume changes and
moderate noise; pairing each peak with a few later ones gives hashes (f1, f2 − f1, Δt) specific enough that a
copy shares dozens of them *at one constant time offset*, while unrelated audio shares a few at scattered
offsets. Trimmed clips keep the hashes of the part they keep, so the offset also gives the matched time range.

Fails on: pitch or speed changes (the frequencies move), heavy time-stretching, audio buried under louder
music, and silence or pure tones (too few distinct peaks to hash).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE_HZ = 8000
N_FFT = 1024
HOP = 256
FRAME_S = HOP / SAMPLE_RATE_HZ
_PEAKS_PER_S = 20
_FAN_OUT = 5
_MAX_DT_FRAMES = 63
_MAX_DF_BINS = 127


@dataclass(frozen=True)
class Landmarks:
    hashes: np.ndarray  # uint32 [m]
    anchor_frames: np.ndarray  # int32 [m], in units of FRAME_S

    @property
    def empty(self) -> bool:
        return len(self.hashes) == 0


def _peaks(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.ndimage import maximum_filter
    from scipy.signal import stft

    _, _, spec = stft(samples, fs=SAMPLE_RATE_HZ, nperseg=N_FFT, noverlap=N_FFT - HOP, boundary=None, padded=False)
    log_mag = np.log(np.abs(spec) + 1e-6).astype(np.float32)[4:480]  # ~30 Hz .. 3.75 kHz
    if log_mag.shape[1] < 4:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    local_max = log_mag == maximum_filter(log_mag, size=(25, 13), mode="constant", cval=-np.inf)
    floor = np.median(log_mag) + 2.0  # ~7× the median magnitude: ignores noise and silence
    freq, frame = np.nonzero(local_max & (log_mag > floor))
    if len(frame) == 0:
        return frame.astype(np.int32), freq.astype(np.int32)
    strength = log_mag[freq, frame]
    keep = int(max(1, _PEAKS_PER_S * log_mag.shape[1] * FRAME_S))
    if len(frame) > keep:
        chosen = np.argsort(-strength)[:keep]
        frame, freq = frame[chosen], freq[chosen]
    order = np.lexsort((freq, frame))
    return frame[order].astype(np.int32), (freq[order] + 4).astype(np.int32)


def landmarks(samples: np.ndarray) -> Landmarks:
    """Fingerprint mono float32 samples at ``SAMPLE_RATE_HZ``."""
    frames, freqs = _peaks(np.asarray(samples, dtype=np.float32))
    hashes: list[np.ndarray] = []
    anchors: list[np.ndarray] = []
    for lag in range(1, 2 * _FAN_OUT + 1):  # pair each peak with the next ones in time order
        if lag >= len(frames):
            break
        dt = frames[lag:] - frames[:-lag]
        df = freqs[lag:] - freqs[:-lag]
        ok = (dt > 0) & (dt <= _MAX_DT_FRAMES) & (np.abs(df) <= _MAX_DF_BINS)
        f1 = freqs[:-lag][ok].astype(np.uint32)
        hashes.append((f1 << 15) | ((df[ok] + 128).astype(np.uint32) << 6) | dt[ok].astype(np.uint32))
        anchors.append(frames[:-lag][ok])
    if not hashes:
        return Landmarks(np.zeros(0, np.uint32), np.zeros(0, np.int32))
    return Landmarks(np.concatenate(hashes), np.concatenate(anchors).astype(np.int32))


@dataclass(frozen=True)
class AudioHit:
    entry: int
    votes: int  # hashes agreeing on the best time offset
    query_votes_fraction: float
    offset_s: float  # stored time = query time + offset
    query_frames: np.ndarray  # anchor frames of the agreeing hashes, in the query


def search(query: Landmarks, stored_hashes: np.ndarray, stored_frames: np.ndarray, stored_entry: np.ndarray,
           *, min_votes: int = 10, min_fraction: float = 0.02) -> list[AudioHit]:
    """Entries sharing enough hashes at one time offset. ``stored_*`` are sorted by hash."""
    if query.empty or len(stored_hashes) == 0:
        return []
    left = np.searchsorted(stored_hashes, query.hashes, side="left")
    right = np.searchsorted(stored_hashes, query.hashes, side="right")
    counts = right - left
    if counts.sum() == 0:
        return []
    q_idx = np.repeat(np.arange(len(query.hashes)), counts)
    s_idx = np.concatenate([np.arange(a, b) for a, b in zip(left[counts > 0], right[counts > 0], strict=True)])
    entries = stored_entry[s_idx]
    offsets = stored_frames[s_idx] - query.anchor_frames[q_idx]
    hits: list[AudioHit] = []
    for entry in np.unique(entries):
        mine = entries == entry
        entry_offsets = offsets[mine]
        values, votes = np.unique(entry_offsets, return_counts=True)
        # Let neighbouring offsets (one frame of jitter from re-encoding) vote together.
        smoothed = votes.copy()
        for shift in (-1, 1):
            idx = np.searchsorted(values, values + shift)
            valid = (idx < len(values)) & (values[np.minimum(idx, len(values) - 1)] == values + shift)
            smoothed[valid] += votes[idx[valid]]
        best = values[int(np.argmax(smoothed))]
        agree = np.abs(entry_offsets - best) <= 1
        n_votes = int(agree.sum())
        fraction = n_votes / len(query.hashes)
        if n_votes >= min_votes and fraction >= min_fraction:
            hits.append(AudioHit(int(entry), n_votes, round(fraction, 4), float(best) * FRAME_S,
                                 np.unique(query.anchor_frames[q_idx[mine][agree]])))
    return sorted(hits, key=lambda h: -h.votes)
