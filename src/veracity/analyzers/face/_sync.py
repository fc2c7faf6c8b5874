"""Lip–audio sync: does the mouth open when the voice is loud?

Speech energy and mouth opening rise and fall together, with the sound at most ~0.1–0.2 s off the picture. Here the
mouth opening (inner-lip gap over eye distance, per frame) is correlated with the speech energy envelope (RMS in
25 ms windows, log scale, smoothed) at lags of up to ±0.5 s. A dubbed or lip-synced fake, or a face re-animated
from other audio, correlates weakly or at an odd lag. This is the simple, model-free cousin of SyncNet (Chung &
Zisserman, ACCV 2016 workshops).

Where it fails: music or several speakers over the face, a speaker off camera, whispering, faces in profile,
sound added on purpose later (voice-over). Lip-sync generators are built to pass exactly this test, so good sync
is only weak evidence of a real capture; bad sync is the useful finding.

Frame spacing: the mouth opens and closes with the syllables, about 4 a second (the speech envelope's modulation
peaks at 4–5 Hz; Ding et al., Neurosci. Biobehav. Rev. 2017). Following each opening and closing takes at least
two frames per 4 Hz cycle: frames at most ``MAX_SPACING_S`` = 125 ms apart (the frames the face pipeline sampled,
not the container's rate). Sparser frames abstain: syllables fall between frames and a poor correlation would say
more about the frame rate than about the dubbing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._landmarks import EYE_LEFT, EYE_RIGHT, LIP_LOWER_INNER, LIP_UPPER_INNER
from veracity.analyzers.face._outcome import SignalOutcome, TrackCurve, contiguous, too_sparse

HOP_S = 0.01
MAX_LAG_S = 0.5
MIN_SPEECH_S = 3.0  # a face seen this long in one stretch
MIN_TALK_S = 2.0  # with someone audibly speaking this long
SYLLABLE_HZ = 4.0  # typical syllable rate: the mouth's opening-and-closing cycle
MAX_SPACING_S = 1 / (2 * SYLLABLE_HZ)  # 0.125 s: two frames per syllable cycle


def energy_envelope(samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """Speech energy in dB every 10 ms (25 ms windows)."""
    hop, window = int(HOP_S * sample_rate_hz), int(0.025 * sample_rate_hz)
    if len(samples) < window:
        return np.zeros(0, np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(samples.astype(np.float32), window)[::hop]
    rms = np.sqrt((frames**2).mean(axis=1) + 1e-10)
    return (20 * np.log10(rms)).astype(np.float32)


def mouth_opening(landmarks: np.ndarray) -> float:
    pts = landmarks[:, :2]
    eye_dist = np.linalg.norm(pts[list(EYE_LEFT)].mean(0) - pts[list(EYE_RIGHT)].mean(0))
    return float(np.linalg.norm(pts[LIP_UPPER_INNER] - pts[LIP_LOWER_INNER]) / max(float(eye_dist), 1e-6))


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def sync_signal(tracks: Any, envelope_db: np.ndarray | None) -> SignalOutcome:
    if tracks.is_still:
        return SignalOutcome.cannot_judge("a still image has no lip movement")
    if envelope_db is None or len(envelope_db) == 0:
        return SignalOutcome.cannot_judge("the file has no audio track")
    floor, loud = float(np.percentile(envelope_db, 10)), float(np.percentile(envelope_db, 95))
    speech = envelope_db > max(floor + 12.0, loud - 30.0)
    if loud < -55.0 or speech.sum() * HOP_S < MIN_TALK_S:
        return SignalOutcome.cannot_judge("no speech is heard (the audio is silent or too steady)")
    sparse = too_sparse(tracks, MAX_SPACING_S, "lip sync",
                        "the mouth opens and closes about 4 times a second with the syllables, and following it takes "
                        "frames at most 125 ms apart (8 a second)")
    if sparse is not None:
        return sparse
    kernel = np.ones(8) / 8
    smooth = np.convolve(envelope_db, kernel, mode="same")
    env_times = np.arange(len(smooth)) * HOP_S + 0.0125
    best: tuple[float, float, Any, float] | None = None
    curves = []
    for track in tracks.usable:
        obs = [o for o in track.meshed if abs(o.yaw_proxy) < 0.5]
        if len(obs) < 8:
            continue
        times = np.array([o.time_s for o in obs])
        start, end = max(contiguous(times, tracks.fps), key=lambda r: r[1] - r[0])
        if times[end - 1] - times[start] < MIN_SPEECH_S:
            continue
        run_t = times[start:end]
        mouth = _zscore(np.array([mouth_opening(o.landmarks) for o in obs[start:end]]))
        talking = np.interp(run_t, env_times, speech.astype(float)) > 0.5
        if talking.sum() / max(tracks.fps, 1e-6) < MIN_TALK_S * 0.75:
            continue
        lags = np.arange(-MAX_LAG_S, MAX_LAG_S + 1e-9, 0.02)
        corr = np.array([np.corrcoef(mouth, _zscore(np.interp(run_t + lag, env_times, smooth)))[0, 1] for lag in lags])
        corr = np.nan_to_num(corr)
        at = int(np.argmax(corr))
        peak, lag = float(corr[at]), float(lags[at])
        energy = _zscore(np.interp(run_t + lag, env_times, smooth))
        mismatch = np.convolve(np.abs(mouth - energy), np.ones(5) / 5, mode="same")
        suspicion = np.clip(mismatch / 3.0, 0, 1) * talking
        track_score = float(np.clip((0.35 - peak) / 0.35, 0, 1) * 0.7 + (0.3 if abs(lag) > 0.25 else 0.0))
        curves.append(TrackCurve(track.track_id, run_t, np.array([o.frame_idx for o in obs[start:end]]), suspicion,
                                 score=min(track_score, 1.0)))
        if best is None or peak > best[0]:
            best = (peak, lag, track, min(track_score, 1.0))
    if best is None:
        return SignalOutcome.cannot_judge("no frontal face is seen while someone speaks for 3 s")
    peak, lag, track, score = best
    if score >= 0.5:
        message = (f"Face {track.track_id}: the mouth's movement follows the speech poorly (best correlation "
                   f"{peak:.2f} at {lag * 1000:+.0f} ms), as in dubbed or lip-synced video.")
    elif score <= 0.2:
        message = (f"Face {track.track_id}: the mouth opens and closes with the speech (correlation {peak:.2f} at "
                   f"{lag * 1000:+.0f} ms).")
    else:
        message = f"Face {track.track_id}: mouth and speech agree only loosely (correlation {peak:.2f}); inconclusive."
    return SignalOutcome(
        judged=True, score=score, p_synthetic=0.4 + 0.3 * score, message=message, suspicious=score >= 0.5,
        reassuring=score <= 0.2, curves=curves,
        data={"correlation": round(peak, 3), "lag_ms": round(lag * 1000, 1),
              "speech_s": round(float(speech.sum() * HOP_S), 2)},
    )
