from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.audio._voice_features import FEATURES, window_features
from veracity.analyzers.base import AnalyzerInfo
from veracity.evidence import Direction, Status
from veracity.scanner import Scanner

from .conftest import RATE_HZ, read_wav, write_wav

pytest.importorskip("onnxruntime")


def _voice_like(seconds: float, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """A buzzy vowel-like tone at ~120 Hz whose period wanders by ``jitter`` (relative), with room noise."""
    n = int(seconds * RATE_HZ)
    f0 = 120 * (1 + jitter * rng.standard_normal(n).cumsum() / np.sqrt(np.arange(1, n + 1)))
    phase = 2 * np.pi * np.cumsum(f0) / RATE_HZ
    tone = sum(np.sin(k * phase) / k for k in range(1, 30))
    return (0.3 * tone / np.abs(tone).max() + 0.003 * rng.standard_normal(n)).astype(np.float32)


def test_features_are_finite_and_see_pitch_wobble() -> None:
    rng = np.random.default_rng(0)
    steady = window_features(_voice_like(3.0, 0.0, rng), [(0.0, 3.0)])
    wobbly = window_features(_voice_like(3.0, 0.05, rng), [(0.0, 3.0)])
    assert set(steady) == set(FEATURES) and all(np.isfinite(v) for v in steady.values())
    assert wobbly["jitter"] > steady["jitter"]
    assert 100 < steady["rolloff95_hz"] < 8000


def test_espeak_speech_gets_a_score_with_per_window_loci(speech_wav: Path) -> None:
    result = Scanner(analyzer_ids=["audio.voice_forensics"]).check(speech_wav).results[0]
    assert result.status is Status.OK, result.reason
    assert result.p_synthetic is not None
    summary = result.findings[0]
    assert summary.code == "audio.voice_forensics.summary"
    assert len(summary.data["window_p_synthetic"]) == summary.data["windows"] >= 1
    assert summary.locus.start_s >= 0.8 and summary.locus.artifact == result.artifacts[0].name


def test_added_room_noise_and_breath_gaps_move_the_score_towards_a_recording(speech_wav: Path,
                                                                             tmp_path: Path) -> None:
    # The same synthetic sentence with a room's noise floor: the noise-floor features must pull the score down.
    samples, rate = read_wav(speech_wav)
    rng = np.random.default_rng(3)
    noisy = samples + (0.004 * rng.standard_normal(samples.size)).astype(np.float32)
    noisy_wav = write_wav(tmp_path / "noisy.wav", noisy, rate)
    scanner = Scanner(analyzer_ids=["audio.voice_forensics"])
    clean = scanner.check(speech_wav).results[0].findings[0].data
    roomy = scanner.check(noisy_wav).results[0].findings[0].data
    assert roomy["feature.floor_db"] > clean["feature.floor_db"]


def test_silence_abstains_and_a_video_without_sound_does_not_apply(silence_wav: Path, tmp_path: Path) -> None:
    import av

    scanner = Scanner(analyzer_ids=["audio.voice_forensics"])
    assert scanner.check(silence_wav).results[0].status is Status.ABSTAINED
    video = tmp_path / "mute.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(10):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.full((64, 64, 3), i, np.uint8), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    result = scanner.check(video).results[0]
    assert result.status is Status.NOT_APPLICABLE and "sound" in (result.reason or "")


def test_video_sound_track_is_analysed(speech_wav: Path, tmp_path: Path) -> None:
    import av

    samples, rate = read_wav(speech_wav)
    path = tmp_path / "talk.mp4"
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        audio = out.add_stream("aac", rate=rate)
        for i in range(int(samples.size / rate * 10)):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i % 255, np.uint8), format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        for start in range(0, samples.size, 1024):
            chunk = av.AudioFrame.from_ndarray(samples[None, start : start + 1024].copy(), format="flt", layout="mono")
            chunk.sample_rate, chunk.pts = rate, start
            for packet in audio.encode(chunk):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    result = Scanner(analyzer_ids=["audio.voice_forensics"]).check(path).results[0]
    assert result.status is Status.OK, result.reason
    assert result.findings[0].direction in (Direction.SYNTHETIC, Direction.AUTHENTIC)


def test_missing_dependency_names_the_audio_extra(monkeypatch: pytest.MonkeyPatch, speech_wav: Path) -> None:
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: ["onnxruntime"])
    result = Scanner(analyzer_ids=["audio.voice_forensics"]).check(speech_wav).results[0]
    assert result.status is Status.MISSING_DEPENDENCY and "veracity[audio]" in (result.hint or "")
