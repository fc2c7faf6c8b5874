"""Pulse (remote photoplethysmography): is there a heartbeat, and is it the same one all over the face?

Blood pulsing under the skin changes its colour very slightly with every heartbeat. Averaging the skin colour of
the forehead and both cheeks over time and projecting it on the plane orthogonal to skin tone (the POS method of
Wang et al., IEEE TBME 2017) gives a pulse wave per region. In a real face the regions share one heart-rate peak;
a generated or swapped face usually has none, or a different one in each region (the idea behind Intel's
FakeCatcher, Ciftci et al., TPAMI 2020).

Where it fails: compression (low bit rates smooth the tiny colour changes away), motion, make-up, dim light and
short clips make the pulse unreadable in real faces too, so an incoherent pulse is weak evidence; a clear
coherent pulse is better evidence for a real capture. Needs ≥ 6 s of a steady, well-lit face.

Frame spacing: the heart-rate band reaches 3 Hz (180 beats a minute); a colour trace sampled at r frames a second
holds frequencies below r / 2 only, and the spectrum here stops at 0.45·r to stay clear of that edge. Covering the
whole band takes r ≥ 3 / 0.45 ≈ 6.7 frames a second: frames at most ``MAX_SPACING_S`` = 150 ms apart (the frames
the face pipeline sampled, not the container's rate). Sparser frames abstain: a fast heartbeat would alias onto a
slower frequency and regions could seem to disagree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._landmarks import SKIN_REGIONS
from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, contiguous, too_sparse

MIN_SECONDS = 6.0
BAND_HZ = (0.7, 3.0)  # 42..180 beats per minute
NYQUIST_MARGIN = 0.45  # the spectrum is read up to this fraction of the frame rate (the Nyquist limit is 0.5)
MAX_SPACING_S = NYQUIST_MARGIN / BAND_HZ[1]  # 0.15 s: the whole band below the spectrum's edge


def skin_means(crop: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Per-frame hook: mean RGB of each skin region (regions × 3)."""
    import cv2

    out = np.zeros((len(SKIN_REGIONS), 3), np.float32)
    for row, indices in enumerate(SKIN_REGIONS.values()):
        points = np.round(landmarks[list(indices)]).astype(np.int32)
        x0, y0 = np.maximum(points.min(axis=0), 0)
        x1, y1 = np.minimum(points.max(axis=0) + 1, crop.shape[1::-1])
        if x1 - x0 < 2 or y1 - y0 < 2:
            out[row] = np.nan
            continue
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [cv2.convexHull(points - [x0, y0])], (1,))
        region = crop[y0:y1, x0:x1][mask > 0]
        out[row] = region.mean(axis=0) if len(region) else np.nan
    return out


def pos_pulse(rgb: np.ndarray, fps: float) -> np.ndarray:
    """POS pulse wave from an N×3 colour trace (Wang et al. 2017), overlap-added over 1.6 s windows."""
    n = len(rgb)
    window = max(int(round(1.6 * fps)), 4)
    pulse = np.zeros(n)
    projection = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])
    for start in range(0, n - window + 1):
        chunk = rgb[start : start + window]
        normed = chunk / np.maximum(chunk.mean(axis=0), 1e-6)
        s = normed @ projection.T
        h = s[:, 0] + (s[:, 0].std() / max(s[:, 1].std(), 1e-9)) * s[:, 1]
        pulse[start : start + window] += h - h.mean()
    return pulse


def _spectrum(wave: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    wave = (wave - wave.mean()) * np.hanning(len(wave))
    size = max(1024, int(2 ** np.ceil(np.log2(len(wave) * 4))))
    power = np.abs(np.fft.rfft(wave, size)) ** 2
    freqs = np.fft.rfftfreq(size, 1.0 / fps)
    band = (freqs >= BAND_HZ[0]) & (freqs <= min(BAND_HZ[1], NYQUIST_MARGIN * fps))
    return freqs[band], power[band] / max(power[band].sum(), 1e-12)


def coherence(traces: np.ndarray, fps: float) -> tuple[float, list[float], list[float]]:
    """0..1 agreement of the regions' pulse spectra; also each region's peak (Hz) and peak prominence (SNR)."""
    spectra, peaks, snrs = [], [], []
    for region in range(traces.shape[1]):
        freqs, power = _spectrum(pos_pulse(traces[:, region], fps), fps)
        spectra.append(power)
        at = int(np.argmax(power))
        peaks.append(float(freqs[at]))
        near = np.abs(freqs - freqs[at]) <= 0.1
        snrs.append(float(power[near].sum() / max(power[~near].sum(), 1e-12)))
    pairs = [(i, j) for i in range(len(spectra)) for j in range(i + 1, len(spectra))]
    corr = np.mean([np.corrcoef(spectra[i], spectra[j])[0, 1] for i, j in pairs])
    agree = np.mean([abs(peaks[i] - peaks[j]) <= 0.15 for i, j in pairs])
    value = float(np.clip(0.5 * np.nan_to_num(corr) + 0.5 * agree, 0.0, 1.0))
    return value, peaks, snrs


def pulse_signal(tracks: Any) -> SignalOutcome:
    if tracks.is_still:
        return SignalOutcome.cannot_judge("a still image has no pulse to measure")
    sparse = too_sparse(tracks, MAX_SPACING_S, "the pulse",
                        "heartbeats reach 3 a second, and a colour trace needs more than 2 frames per beat (at most "
                        "150 ms apart) to show them")
    if sparse is not None:
        return sparse
    best: tuple[float, Any, np.ndarray, list[float], list[float]] | None = None
    curves, reasons = [], set()
    for track in tracks.usable:
        obs = [o for o in track.meshed if "skin" in o.features]
        if not obs:
            continue
        times = np.array([o.time_s for o in obs])
        start, end = max(contiguous(times, tracks.fps), key=lambda r: r[1] - r[0])
        seconds = times[end - 1] - times[start] if end > start else 0.0
        if seconds < MIN_SECONDS:
            reasons.add(f"the face is seen for {seconds:.1f} s in one stretch; the pulse needs {MIN_SECONDS:.0f} s")
            continue
        run = obs[start:end]
        if np.median([o.face_width_px for o in run]) < 90:
            reasons.add("the face is too small for the skin colour to carry a pulse")
            continue
        if np.median([o.luma for o in run]) < 40:
            reasons.add("the face is too dark to read a pulse")
            continue
        traces = np.stack([o.features["skin"] for o in run]).astype(np.float64)  # frames × regions × 3
        if not np.isfinite(traces).all():
            traces = np.nan_to_num(traces, nan=float(np.nanmean(traces)))
        value, peaks, snrs = coherence(traces, tracks.fps)
        window = int(round(4.0 * tracks.fps))
        local = np.full(len(run), np.nan)
        for i in range(0, len(run) - window + 1, max(1, window // 4)):
            level = 1 - coherence(traces[i : i + window], tracks.fps)[0]
            seg = local[i : i + window]
            local[i : i + window] = np.where(np.isfinite(seg), (seg + level) / 2, level)
        curves.append(TrackCurve(track.track_id, times[start:end], np.array([o.frame_idx for o in run]),
                                 np.nan_to_num(local, nan=1 - value), score=1 - value))
        if best is None or value > best[0]:
            best = (value, track, traces, peaks, snrs)
    if best is None:
        return SignalOutcome.cannot_judge("; ".join(sorted(reasons)) or "no face was steady enough to read a pulse")
    value, track, _traces, peaks, snrs = best
    bpm = float(np.median(peaks) * 60)
    if value >= 0.7:
        message = (f"Face {track.track_id}: the forehead and both cheeks pulse together at about {bpm:.0f} beats per "
                   "minute, as living skin does.")
    elif value <= 0.35:
        message = (f"Face {track.track_id}: no common heartbeat shows in the skin colour of forehead and cheeks "
                   "(generated faces lack one, but compression and motion can hide a real one).")
    else:
        message = f"Face {track.track_id}: a weak, partly consistent pulse signal; not conclusive either way."
    return SignalOutcome(
        judged=True, score=1 - value, p_synthetic=0.5 + 0.2 * (0.5 - value), message=message,
        suspicious=value <= 0.35, reassuring=value >= 0.7, curves=curves,
        data={"coherence": round(value, 3), "peak_bpm_by_region": [round(p * 60, 1) for p in peaks],
              "peak_snr_by_region": [round(s, 3) for s in snrs], "regions": ",".join(SKIN_REGIONS)},
    )
