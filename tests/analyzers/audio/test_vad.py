from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from veracity.analyzers.audio._vad import CACHE_KEY, detect_speech, speech_segments  # noqa: E402
from veracity.analyzers.base import AnalysisContext  # noqa: E402
from veracity.media.audio import load_mono  # noqa: E402
from veracity.media.probe import probe  # noqa: E402
from veracity.scanner import check  # noqa: E402


def test_finds_speech_where_it_is_and_not_in_the_silence_around_it(speech_wav: Path) -> None:
    samples = load_mono(speech_wav, 16_000)
    segments = detect_speech(samples)
    duration_s = samples.size / 16_000
    assert segments, "no speech found in an espeak-ng sentence"
    assert segments[0].start_s >= 0.8  # the first second is silent
    assert segments[-1].end_s <= duration_s - 0.8  # and so is the last
    assert sum(s.duration_s for s in segments) > 0.6 * (duration_s - 2)


def test_no_speech_in_silence_or_noise() -> None:
    rng = np.random.default_rng(1)
    assert detect_speech(np.zeros(3 * 16_000, dtype=np.float32)) == []
    assert detect_speech((rng.standard_normal(3 * 16_000) * 0.05).astype(np.float32)) == []
    assert detect_speech(np.zeros(0, dtype=np.float32)) == []


def test_segments_are_cached_on_the_context_for_other_analyzers(speech_wav: Path) -> None:
    ctx = AnalysisContext(media=probe(speech_wav))
    first = speech_segments(ctx)
    assert ctx.cached(CACHE_KEY, lambda: pytest.fail("recomputed")) is first


def test_speech_analyzer_reports_where_speech_is(speech_wav: Path, silence_wav: Path) -> None:
    result = check(speech_wav, analyzers=["audio.speech"]).results[0]
    assert result.status.value == "ok" and result.p_synthetic is None
    finding = result.findings[0]
    assert finding.code == "audio.speech.segments" and finding.locus.start_s >= 0.8
    assert result.artifacts[0].mime_type == "image/png"
    quiet = check(silence_wav, analyzers=["audio.speech"]).results[0]
    assert quiet.findings[0].code == "audio.speech.none"
