"""Hand-made voice features that tell recorded speech from synthetic speech, per window of 16 kHz audio.

What they look at, and where the idea comes from:

- band limits and high-frequency energy: neural vocoders and TTS pipelines trained on 22.05/24 kHz data
  leave a characteristic roll-off and a weak or overly noisy 4-8 kHz band (Frank & Schönherr, "WaveFake",
  NeurIPS 2021 datasets track; Yi et al., "Audio Deepfake Detection: A Survey", 2023);
- spectral flatness and flux: vocoder output is smoother from frame to frame than a voice in a room;
- phase: vocoders synthesise magnitude well but phase poorly; the deviation of each bin's phase advance from
  its expected value is a cheap proxy (Wu et al., "Synthetic speech detection using temporal modulation
  feature", ICASSP 2013, and modified group-delay work in the ASVspoof challenges);
- pitch micro-variation: jitter and shimmer of real voices differ from synthesised ones (Teixeira et al.,
  "Vocal acoustic analysis – jitter, shimmer and HNR parameters", 2013, for the measures);
- pauses and breaths: TTS rarely breathes and its silences are digitally quiet, real recordings carry room
  noise and audible in-breaths;
- codec history: zeroed spectral cells left by lossy coding;
- room rumble: real rooms and microphones add energy below 90 Hz that vocoders rarely produce.

Where it fails: heavy noise, music beds, phone-band audio (everything above 4 kHz is gone), very short clips;
studio-quality real speech looks "clean" like TTS; every feature moves with the recording chain, so the classifier
built on them was trained on audio re-encoded with random codecs and rates (see the model card).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import scipy.fft

SAMPLE_RATE_HZ = 16_000
N_FFT = 512
HOP = 160  # 10 ms
FEATURES: tuple[str, ...] = (
    "rolloff95_hz",
    "hf_ratio_db",
    "hf_ratio_db_std",
    "top_band_ratio_db",
    "flatness_db",
    "hf_flatness_db",
    "flux",
    "phase_dev_low",
    "phase_dev_high",
    "floor_db",
    "gap_flatness_db",
    "breath_level_db",
    "pause_ratio",
    "voiced_ratio",
    "f0_std_st",
    "jitter",
    "shimmer",
    "f0_smoothness",
    "spectral_holes",
    "sub_bass_ratio_db",
    "hf_modulation",
)


def _stft(samples: np.ndarray) -> np.ndarray:
    if samples.size < N_FFT:
        samples = np.pad(samples, (0, N_FFT - samples.size))
    n_frames = 1 + (samples.size - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    return scipy.fft.rfft((samples[idx] * np.hanning(N_FFT)).astype(np.float32), axis=1)


def _db(x: np.ndarray | float) -> np.ndarray:
    return 10 * np.log10(np.asarray(x, dtype=np.float64) + 1e-12)


def _band(freqs: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    return (freqs >= low_hz) & (freqs < high_hz)


def _flatness_db(power: np.ndarray) -> np.ndarray:
    """Per-frame spectral flatness (geometric / arithmetic mean), in dB (0 = white noise)."""
    return _db(np.exp(np.mean(np.log(power + 1e-12), axis=1))) - _db(np.mean(power, axis=1))


def _pitch(samples: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """F0 (Hz, 0 when unvoiced) and RMS per 10 ms hop, by normalised autocorrelation over 40 ms (60-400 Hz)."""
    win = 640
    padded = np.pad(samples, (0, win))
    idx = np.arange(win)[None, :] + HOP * np.arange(frames)[:, None]
    seg = padded[idx]
    seg = seg - seg.mean(axis=1, keepdims=True)
    rms = np.sqrt(np.mean(seg**2, axis=1))
    # n=1024 ≥ win + longest lag: the autocorrelation up to 267 samples is not wrapped around.
    spec = scipy.fft.rfft((seg * np.hanning(win)).astype(np.float32), n=1024, axis=1)
    ac = scipy.fft.irfft(np.abs(spec) ** 2, n=1024, axis=1)[:, :win].astype(np.float64)
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    lag_lo, lag_hi = SAMPLE_RATE_HZ // 400, SAMPLE_RATE_HZ // 60
    lags = np.argmax(ac[:, lag_lo:lag_hi], axis=1) + lag_lo
    peak = ac[np.arange(frames), lags]
    voiced = (peak > 0.45) & (rms > 0.02 * max(float(rms.max()), 1e-9))
    # Parabolic interpolation around the peak for sub-sample periods.
    left = ac[np.arange(frames), np.clip(lags - 1, 0, win - 1)]
    right = ac[np.arange(frames), np.clip(lags + 1, 0, win - 1)]
    denom = left - 2 * peak + right
    shift = np.where(np.abs(denom) > 1e-9, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    period = lags + np.clip(shift, -0.5, 0.5)
    f0 = np.where(voiced, SAMPLE_RATE_HZ / period, 0.0)
    return f0, rms


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs in a boolean vector."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=False))


def window_features(samples: np.ndarray, speech: Sequence[tuple[float, float]]) -> dict[str, float]:
    """Features of one window of 16 kHz mono audio; ``speech`` are (start_s, end_s) spans relative to the window."""
    samples = np.asarray(samples, dtype=np.float64)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    samples = samples / peak if peak > 0 else samples
    spec = _stft(samples)
    power = np.abs(spec) ** 2
    n_frames = power.shape[0]
    freqs = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE_HZ)
    times = (np.arange(n_frames) * HOP + N_FFT / 2) / SAMPLE_RATE_HZ
    in_speech = np.zeros(n_frames, dtype=bool)
    for start_s, end_s in speech:
        in_speech |= (times >= start_s) & (times < end_s)
    energy_db = _db(power.sum(axis=1))
    loud = energy_db > np.percentile(energy_db, 95) - 35
    sp = in_speech & loud
    if sp.sum() < 10:
        sp = loud
    speech_power = power[sp]

    cumulative = np.cumsum(speech_power, axis=1)
    rolloff = freqs[np.argmax(cumulative >= 0.95 * cumulative[:, -1:], axis=1)]
    low = _band(freqs, 300, 4000)
    high = _band(freqs, 4000, 7800)
    top = _band(freqs, 6500, 7800)
    hf_ratio = _db(speech_power[:, high].sum(axis=1)) - _db(speech_power[:, low].sum(axis=1))
    top_ratio = _db(speech_power[:, top].sum(axis=1)) - _db(speech_power[:, low].sum(axis=1))
    band = _band(freqs, 300, 7800)
    flat = _flatness_db(speech_power[:, band])
    hf_flat = _flatness_db(speech_power[:, high])
    log_mag = np.log(speech_power[:, band] + 1e-10)
    flux = np.mean(np.abs(np.diff(log_mag, axis=0))) if log_mag.shape[0] > 1 else 0.0

    # Phase advance of each bin between hops, minus what a stationary sinusoid at the bin centre would show.
    phase = np.angle(spec)
    expected = 2 * np.pi * np.arange(phase.shape[1]) * HOP / N_FFT
    deviation = np.angle(np.exp(1j * (np.diff(phase, axis=0) - expected[None, :])))
    strong = (power[1:] > 1e-3 * power[1:].max(axis=1, keepdims=True)) & sp[1:, None]
    phase_low = float(np.mean(np.abs(deviation[:, low][strong[:, low]]))) if strong[:, low].any() else np.pi / 2
    phase_high = float(np.mean(np.abs(deviation[:, high][strong[:, high]]))) if strong[:, high].any() else np.pi / 2

    speech_level = np.median(energy_db[sp])
    floor_db = float(np.percentile(energy_db, 5) - speech_level)
    gaps = ~in_speech
    quiet = gaps if gaps.sum() >= 5 else energy_db <= np.percentile(energy_db, 10)
    gap_flat = float(np.median(_flatness_db(power[quiet][:, band])))
    breath_levels = []
    for a, b in _runs(gaps):
        if 10 <= b - a <= 100:  # pauses of 0.1 .. 1 s: where breaths are
            breath_levels.append(float(np.percentile(energy_db[a:b], 90) - speech_level))
    breath_db = float(np.max(breath_levels)) if breath_levels else floor_db
    pause_ratio = float(1 - in_speech.mean()) if speech else 1.0

    f0, rms = _pitch(samples, n_frames)
    voiced = (f0 > 0) & in_speech if speech else f0 > 0
    voiced_ratio = float(voiced.sum() / max(int(sp.sum()), 1))
    jitters, shimmers, smooth = [], [], []
    for a, b in _runs(voiced):
        if b - a < 5:
            continue
        period = 1 / f0[a:b]
        amp = rms[a:b]
        jitters.append(np.mean(np.abs(np.diff(period))) / np.mean(period))
        shimmers.append(np.mean(np.abs(np.diff(amp))) / max(np.mean(amp), 1e-9))
        semitones = 12 * np.log2(f0[a:b] / 100)
        smooth.append(np.mean(np.abs(np.diff(semitones, n=2))))
    f0_voiced = f0[voiced]
    f0_std = float(np.std(12 * np.log2(f0_voiced / 100))) if f0_voiced.size > 5 else 0.0

    mid = _band(freqs, 2000, 7800)
    frame_max = speech_power[:, mid].max(axis=1, keepdims=True)
    holes = float(np.mean(speech_power[:, mid] < 1e-7 * frame_max))

    sub = _band(freqs, 20, 90)
    sub_ratio = _db(speech_power[:, sub].sum(axis=1)) - _db(speech_power[:, low].sum(axis=1))
    # Frame-to-frame wobble of the 4-8 kHz envelope relative to the 0.3-4 kHz one: vocoder noise is steadier.
    hf_env = _db(power[:, high].sum(axis=1))[sp]
    lf_env = _db(power[:, low].sum(axis=1))[sp]
    hf_mod = float(np.std(np.diff(hf_env)) / max(np.std(np.diff(lf_env)), 1e-6)) if hf_env.size > 2 else 1.0

    return {
        "rolloff95_hz": float(np.median(rolloff)),
        "hf_ratio_db": float(np.median(hf_ratio)),
        "hf_ratio_db_std": float(np.std(hf_ratio)),
        "top_band_ratio_db": float(np.median(top_ratio)),
        "flatness_db": float(np.median(flat)),
        "hf_flatness_db": float(np.median(hf_flat)),
        "flux": float(flux),
        "phase_dev_low": phase_low,
        "phase_dev_high": phase_high,
        "floor_db": max(floor_db, -90.0),
        "gap_flatness_db": gap_flat,
        "breath_level_db": max(breath_db, -90.0),
        "pause_ratio": pause_ratio,
        "voiced_ratio": voiced_ratio,
        "f0_std_st": f0_std,
        "jitter": float(np.median(jitters)) if jitters else 0.0,
        "shimmer": float(np.median(shimmers)) if shimmers else 0.0,
        "f0_smoothness": float(np.median(smooth)) if smooth else 0.0,
        "spectral_holes": holes,
        "sub_bass_ratio_db": float(np.median(sub_ratio)),
        "hf_modulation": hf_mod,
    }


N_CEPS = 20  # cepstral coefficients per filterbank; c0 (loudness) is dropped
CEPSTRAL_FEATURES: tuple[str, ...] = tuple(
    f"{bank}{stat}_{i}" for bank, stats in (("lfcc", ("mean", "std", "dstd")), ("mfcc", ("mean", "std")))
    for stat in stats for i in range(1, N_CEPS)
)
BAND_FEATURES: tuple[str, ...] = tuple(f"band_{lo}_{hi}_db" for lo, hi in ((4, 5), (5, 6), (6, 7), (7, 8)))


@cache
def _filterbank(kind: str, n_filters: int = N_CEPS) -> np.ndarray:
    """Triangular filters over the 0-8 kHz bins of a 512-point FFT, spaced linearly (LFCC) or on the mel scale."""
    freqs = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE_HZ)
    top = SAMPLE_RATE_HZ / 2
    if kind == "linear":
        edges = np.linspace(0.0, top, n_filters + 2)
    else:
        mel = np.linspace(0.0, 2595 * np.log10(1 + top / 700), n_filters + 2)
        edges = 700 * (10 ** (mel / 2595) - 1)
    bank = np.zeros((n_filters, freqs.size))
    for i in range(n_filters):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        bank[i] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
    return bank


def _cepstra(power: np.ndarray, kind: str) -> np.ndarray:
    """Cepstral coefficients 1..N_CEPS-1 per frame: DCT-II of the log filterbank energies."""
    log_energy = np.log(power @ _filterbank(kind).T + 1e-10)
    return np.asarray(scipy.fft.dct(log_energy, type=2, norm="ortho", axis=1))[:, 1:N_CEPS]


def cepstral_features(samples: np.ndarray, speech: Sequence[tuple[float, float]]) -> dict[str, float]:
    """LFCC and MFCC statistics over the speech frames of one 16 kHz window, plus 4-8 kHz band levels.

    Linear-frequency cepstra (LFCC) are the ASVspoof baseline front end (Sahidullah et al., "A comparison of
    features for synthetic speech detection", Interspeech 2015): their even resolution keeps the high band, where
    vocoders leave their traces, as sharp as the low one. Means (spectral envelope and channel), standard
    deviations and the spread of frame-to-frame deltas (how the envelope moves) are pooled per window. The band
    levels are 1-kHz slices of 4-8 kHz relative to 0.3-4 kHz (WaveFake's vocoder band traces). c0 (loudness)
    is left out; the window is peak-normalised first.
    """
    samples = np.asarray(samples, dtype=np.float64)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    samples = samples / peak if peak > 0 else samples
    power = np.abs(_stft(samples)) ** 2
    n_frames = power.shape[0]
    times = (np.arange(n_frames) * HOP + N_FFT / 2) / SAMPLE_RATE_HZ
    in_speech = np.zeros(n_frames, dtype=bool)
    for start_s, end_s in speech:
        in_speech |= (times >= start_s) & (times < end_s)
    energy_db = _db(power.sum(axis=1))
    sp = in_speech & (energy_db > np.percentile(energy_db, 95) - 35)
    if sp.sum() < 10:
        sp = energy_db > np.percentile(energy_db, 95) - 35
    out: dict[str, float] = {}
    for bank, kind in (("lfcc", "linear"), ("mfcc", "mel")):
        ceps = _cepstra(power, kind)
        stats = {"mean": ceps[sp].mean(axis=0), "std": ceps[sp].std(axis=0)}
        if bank == "lfcc":
            delta = np.diff(ceps, axis=0)[sp[1:]]
            stats["dstd"] = delta.std(axis=0) if delta.shape[0] > 1 else np.zeros(N_CEPS - 1)
        for stat, values in stats.items():
            out.update({f"{bank}{stat}_{i}": float(v) for i, v in enumerate(values, start=1)})
    freqs = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE_HZ)
    low_db = _db(power[sp][:, _band(freqs, 300, 4000)].sum(axis=1))
    for lo, hi in ((4, 5), (5, 6), (6, 7), (7, 8)):
        band_db = _db(power[sp][:, _band(freqs, lo * 1000, min(hi * 1000, 7950))].sum(axis=1))
        out[f"band_{lo}_{hi}_db"] = float(np.median(band_db - low_db))
    return out


def feature_vector(features: dict[str, float], names: Sequence[str] = FEATURES) -> np.ndarray:
    return np.array([features[name] for name in names], dtype=np.float64)
