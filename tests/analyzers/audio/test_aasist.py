from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.audio.aasist import AasistAnalyzer
from veracity.analyzers.base import AnalyzerInfo
from veracity.config import Settings
from veracity.evidence import Status
from veracity.scanner import Scanner

REPO = Path(__file__).resolve().parents[3]
PUBLISHED = Path(os.environ.get("VERACITY_PUBLISHED_MODELS", REPO.parent / "shared" / "models")) / "aasist"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model store holding AASIST imported from the published files (converted to ONNX on CPU)."""
    if not (PUBLISHED / "AASIST.pth").is_file():
        pytest.skip(f"published AASIST weights not found in {PUBLISHED}")
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from veracity.models._convert import install

    folder = tmp_path_factory.mktemp("store")
    install("aasist", source_dir=PUBLISHED, store=folder, say=lambda _line: None)
    return folder


def test_onnx_export_computes_what_the_torch_model_computes(store: Path) -> None:
    import torch

    from veracity.analyzers.audio._aasist import INPUT_SAMPLES, session
    from veracity.models._aasist_torch import AASIST_L, load_published

    waveform = (np.random.default_rng(0).standard_normal((1, INPUT_SAMPLES)) * 0.05).astype(np.float32)
    with torch.no_grad():
        expected = load_published(store / "aasist" / "AASIST-L.pth", AASIST_L)(torch.from_numpy(waveform)).numpy()
    got = session(store / "aasist" / "aasist-l.onnx").run(None, {"waveform": waveform})[0]
    np.testing.assert_allclose(got, expected, atol=1e-3)


@pytest.mark.parametrize("variant", ["aasist", "aasist-l"])
def test_espeak_speech_is_scored_synthetic_window_by_window(store: Path, speech_wav: Path, variant: str) -> None:
    # Formant synthesis is the crudest kind of synthetic speech; both published models call it spoofed.
    from veracity.analyzers.audio.aasist import AasistParams
    from veracity.analyzers.base import AnalysisContext
    from veracity.media.probe import probe

    media = probe(speech_wav)
    analyzer = AasistAnalyzer(AasistParams(variant=variant))
    result = analyzer.analyze(media, AnalysisContext(media=media, settings=Settings(model_dir=store)))
    assert result.status is Status.OK, result.reason
    assert result.p_synthetic is not None and result.p_synthetic > 0.8
    summary = result.findings[0]
    assert summary.data["model"] == variant
    scores = summary.data["window_p_spoof"]
    assert isinstance(scores, list) and len(scores) >= 1
    windows = [f for f in result.findings if f.code == "audio.aasist.window"]
    assert windows and all(f.locus.start_s is not None and f.locus.end_s > f.locus.start_s for f in windows)
    assert result.artifacts and result.artifacts[0].name == windows[0].locus.artifact


def test_absent_model_is_a_missing_dependency_with_the_fetch_command(tmp_path: Path, speech_wav: Path) -> None:
    pytest.importorskip("onnxruntime")
    result = Scanner(Settings(model_dir=tmp_path), ["audio.aasist"]).check(speech_wav).results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert result.reason == "needs the aasist model, which is not installed"
    assert result.hint == "veracity models fetch aasist"


def test_missing_dependency_names_the_audio_extra(monkeypatch: pytest.MonkeyPatch, speech_wav: Path) -> None:
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: ["onnxruntime"])
    result = Scanner(analyzer_ids=["audio.aasist"]).check(speech_wav).results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert "veracity[audio]" in (result.hint or "")
    assert AasistAnalyzer.info.extra == "audio"
