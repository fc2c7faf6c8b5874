from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.base import AnalysisContext, AnalyzerInfo
from veracity.analyzers.learned.mesonet import MesoNetAnalyzer
from veracity.config import Settings
from veracity.evidence import Status
from veracity.media.probe import probe
from veracity.models._mesonet import BLOCKS, build_onnx, convert_h5, reference_forward

from ..conftest import SAMPLES

PUBLISHED = Path(os.environ.get("VERACITY_PUBLISHED_MODELS", Path(__file__).resolve().parents[3] / "shared" / "models"))
MESONET_H5 = PUBLISHED / "mesonet" / "Meso4_DF.h5"


def _random_weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    weights: dict[str, np.ndarray] = {}
    channels = 3
    for i, (size, filters, _pool) in enumerate(BLOCKS):
        weights[f"conv{i}.kernel"] = rng.normal(0, 0.3, (size, size, channels, filters)).astype(np.float32)
        weights[f"conv{i}.bias"] = rng.normal(0, 0.1, filters).astype(np.float32)
        weights[f"bn{i}.gamma"] = rng.uniform(0.5, 1.5, filters).astype(np.float32)
        weights[f"bn{i}.beta"] = rng.normal(0, 0.1, filters).astype(np.float32)
        weights[f"bn{i}.moving_mean"] = rng.uniform(0, 1, filters).astype(np.float32)
        weights[f"bn{i}.moving_variance"] = rng.uniform(0.5, 2, filters).astype(np.float32)
        channels = filters
    weights["dense0.kernel"] = rng.normal(0, 0.1, (1024, 16)).astype(np.float32)
    weights["dense0.bias"] = rng.normal(0, 0.1, 16).astype(np.float32)
    weights["dense1.kernel"] = rng.normal(0, 0.3, (16, 1)).astype(np.float32)
    weights["dense1.bias"] = np.zeros(1, np.float32)
    return weights


def _run_onnx(path: Path, faces: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"faces": faces})[0]


def test_onnx_graph_matches_numpy_reference_on_random_weights(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    weights = _random_weights()
    path = tmp_path / "m.onnx"
    onnx.save(build_onnx(weights), str(path))
    faces = np.random.default_rng(1).random((2, 256, 256, 3)).astype(np.float32)
    assert np.abs(_run_onnx(path, faces) - reference_forward(weights, faces)).max() < 1e-4


@pytest.mark.skipif(not MESONET_H5.is_file(), reason="published MesoNet weights not available here")
def test_published_weights_convert_and_match_numpy_reference(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("h5py")
    from veracity.models._mesonet import read_keras_weights

    onnx_path = convert_h5(MESONET_H5, tmp_path / "meso4_df.onnx")
    faces = np.random.default_rng(2).random((3, 256, 256, 3)).astype(np.float32)
    onnx_out = _run_onnx(onnx_path, faces)
    assert onnx_out.shape == (3,)
    assert np.abs(onnx_out - reference_forward(read_keras_weights(MESONET_H5), faces)).max() < 1e-4


def test_analyzer_without_the_model_abstains_and_says_how_to_fetch(tmp_path: Path) -> None:
    media = probe(SAMPLES / "camera_photo.jpg")
    ctx = AnalysisContext(media=media, settings=Settings(model_dir=tmp_path))
    result = MesoNetAnalyzer().analyze(media, ctx)
    assert result.status is Status.ABSTAINED
    assert "veracity models fetch mesonet4_df" in (result.hint or "")


def test_missing_dependency_is_reported_with_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.scanner import Scanner

    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: ["onnxruntime"])
    report = Scanner(analyzer_ids=["learned.mesonet"]).check(SAMPLES / "camera_photo.jpg")
    result = report.results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert "veracity[learned]" in (result.hint or "")
