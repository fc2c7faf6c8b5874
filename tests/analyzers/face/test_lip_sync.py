from __future__ import annotations

from pathlib import Path

import numpy as np

from veracity.evidence import Status
from veracity.scanner import check

FPS, SECONDS, RATE_HZ = 12, 5.0, 16_000


def _syllables(seed: int) -> np.ndarray:
    """Loudness 0..1 every 1/RATE_HZ: syllable-like bursts of 0.12–0.35 s with short pauses."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(SECONDS * RATE_HZ), np.float32)
    t = 0.1
    while t < SECONDS - 0.2:
        length = rng.uniform(0.12, 0.35)
        start, end = int(t * RATE_HZ), int(min(t + length, SECONDS) * RATE_HZ)
        out[start:end] = np.hanning(end - start) * rng.uniform(0.6, 1.0)
        t += length + rng.uniform(0.08, 0.3)
    return out


def _voice(loudness: np.ndarray) -> np.ndarray:
    t = np.arange(len(loudness)) / RATE_HZ
    tone = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((140, 280, 420, 560), start=1))
    return (0.3 * loudness * tone / 2.1).astype(np.float32)


def test_mouth_moving_with_the_voice_scores_lower_than_with_another_voice(tmp_path: Path) -> None:
    from training.manipulations.face_swap import astronaut_clip, manipulate_clip, mouth_reanimate, write_clip

    loudness = _syllables(1)
    frames = astronaut_clip(frames=int(SECONDS * FPS), size_px=320)
    opening = [float(loudness[int(i / FPS * RATE_HZ)]) for i in range(len(frames))]
    talking = manipulate_clip(frames, lambda f, lm, i: mouth_reanimate(f, lm, 0.35 * opening[i]))
    synced = write_clip(tmp_path / "synced.mp4", talking, FPS, _voice(loudness), RATE_HZ)
    dubbed = write_clip(tmp_path / "dubbed.mp4", talking, FPS, _voice(_syllables(2)), RATE_HZ)
    silent = write_clip(tmp_path / "silent.mp4", talking, FPS, np.zeros(int(SECONDS * RATE_HZ), np.float32), RATE_HZ)

    good = check(synced, analyzers=["face.lip_sync"]).results[0]
    bad = check(dubbed, analyzers=["face.lip_sync"]).results[0]
    quiet = check(silent, analyzers=["face.lip_sync"]).results[0]
    assert good.status is Status.OK and bad.status is Status.OK, (good.reason, bad.reason)
    assert good.findings[0].data["correlation"] > bad.findings[0].data["correlation"]
    assert good.p_synthetic < bad.p_synthetic
    assert quiet.status is Status.ABSTAINED and "speech" in quiet.reason
