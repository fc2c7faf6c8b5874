from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.audio._voice_features import (
    BAND_FEATURES,
    CEPSTRAL_FEATURES,
    FEATURES,
    cepstral_features,
    window_features,
)
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


def test_cepstral_features_are_finite_and_see_a_band_limit() -> None:
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(1)
    voice = _voice_like(4.0, 0.01, rng) + (0.01 * rng.standard_normal(4 * RATE_HZ)).astype(np.float32)
    narrow = sosfilt(butter(8, 4_000, fs=RATE_HZ, output="sos"), voice)
    full = cepstral_features(voice, [(0.0, 4.0)])
    phone = cepstral_features(narrow, [(0.0, 4.0)])
    assert set(full) == set(CEPSTRAL_FEATURES + BAND_FEATURES)
    assert all(np.isfinite(v) for v in (*full.values(), *phone.values()))
    # Low-passed at 4 kHz: the 5-8 kHz bands fall far below the full-band copy's.
    assert phone["band_6_7_db"] < full["band_6_7_db"] - 20
    assert cepstral_features(0.5 * voice, [(0.0, 4.0)]) == pytest.approx(full)  # loudness does not move them


def _recorded_like(speech_wav: Path, tmp_path: Path) -> Path:
    """The espeak sentence as if said in a room: a decaying reverberant tail, a microphone's band limit and a
    noise floor, then an MP3 round trip at 44.1 kHz."""
    from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

    from veracity.media.audio import load_mono

    samples, rate = read_wav(speech_wav)
    rng = np.random.default_rng(5)
    tail = rng.standard_normal(int(0.3 * rate)) * np.exp(-np.arange(int(0.3 * rate)) / (0.05 * rate))
    tail[0] = 8.0
    room = fftconvolve(samples, tail / np.abs(tail).sum() * 4)[: samples.size]
    room = sosfilt(butter(4, [80, 7_000], btype="band", fs=rate, output="sos"), room)
    room = room / np.abs(room).max() * 0.5 + 0.002 * rng.standard_normal(room.size)
    wav = write_wav(tmp_path / "room.wav", resample_poly(room, 441, 160).astype(np.float32), 44_100)
    import av

    mp3 = tmp_path / "room.mp3"
    pcm = load_mono(wav, 44_100)
    with av.open(str(mp3), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=44_100, layout="mono")
        for start in range(0, pcm.size, 1152):
            frame = av.AudioFrame.from_ndarray(pcm[None, start : start + 1152].copy(), format="flt", layout="mono")
            frame.sample_rate, frame.pts = 44_100, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return mp3


def test_synthetic_and_recorded_like_speech_get_finite_repeatable_scores(speech_wav: Path, tmp_path: Path) -> None:
    recorded = _recorded_like(speech_wav, tmp_path)
    for path in (speech_wav, recorded):
        first = Scanner(analyzer_ids=["audio.voice_forensics"]).check(path).results[0]
        again = Scanner(analyzer_ids=["audio.voice_forensics"]).check(path).results[0]
        assert first.status is Status.OK, first.reason
        assert first.p_synthetic is not None and 0.0 < first.p_synthetic < 1.0
        assert again.p_synthetic == first.p_synthetic
        data = first.findings[0].data
        assert all(np.isfinite(v) for k, v in data.items() if k.startswith(("feature.", "logit.")))


def test_noise_and_tones_without_speech_abstain(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    t = np.arange(4 * RATE_HZ) / RATE_HZ
    hum = 0.3 * np.sin(2 * np.pi * 50 * t) + 0.05 * rng.standard_normal(t.size)
    result = Scanner(analyzer_ids=["audio.voice_forensics"]).check(write_wav(tmp_path / "hum.wav", hum)).results[0]
    assert result.status is Status.ABSTAINED and result.p_synthetic is None


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
