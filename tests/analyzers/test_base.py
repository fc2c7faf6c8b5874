"""What the analyzer base class owns: params, declared models (missing -> missing_dependency, listed as missing),
evidence tags that fusion routes by, and the one logistic -> probability -> strength path."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers import registry
from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import probability, scored, strength
from veracity.config import Settings
from veracity.evidence import AnalyzerResult, MediaInfo, MediaKind, Status
from veracity.fusion.v1 import model_key
from veracity.samples import samples_dir


@dataclass(frozen=True)
class KnobParams:
    knob: int = 3


class KnobAnalyzer(Analyzer[KnobParams]):
    info = AnalyzerInfo(id="test.knob", version="1", title="Knob", summary="reports its knob",
                        media_kinds=frozenset(MediaKind), models=("aasist",))
    Params = KnobParams

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        return self.abstain(f"knob {self.params.knob}")


def test_params_default_from_the_class_or_as_given() -> None:
    assert KnobAnalyzer().params == KnobParams()
    assert KnobAnalyzer(KnobParams(knob=7)).params.knob == 7
    for cls in registry.available().values():  # every built-in constructs with no arguments
        analyzer = cls()
        if cls.Params is not None:
            assert analyzer.params == cls.Params()


def test_a_declared_model_that_is_absent_is_a_missing_dependency(tmp_path: Path) -> None:
    from veracity.scanner import Scanner

    report = Scanner(Settings(model_dir=tmp_path), ["tests.analyzers.test_base:KnobAnalyzer"]).check(
        samples_dir() / "camera_photo.jpg")
    result = report.results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert result.reason == "needs the aasist model, which is not installed"
    assert result.hint == "veracity models fetch aasist"
    assert KnobAnalyzer.info.missing(tmp_path) is not None
    shipped = registry.get("learned.ai_image").info
    assert "ai_image" in shipped.models and shipped.missing(tmp_path) is None  # they ship in the package


def test_veracity_analyzers_lists_an_absent_model_as_missing(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "250", "VERACITY_MODEL_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "veracity", "analyzers"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    aasist = next(line for line in run.stdout.splitlines() if "audio.aasist" in line)
    assert "ok" not in aasist.split("│")[5] and "aasist model" in aasist
    ela = next(line for line in run.stdout.splitlines() if "image.ela" in line)
    assert "ok" in ela


def test_fusion_routes_by_declared_face_evidence() -> None:
    face = {i for i, cls in registry.available().items() if "face" in cls.info.evidence}
    assert {"face.blending", "learned.face_forgery", "learned.face_video_temporal"} <= face
    assert "learned.ai_video" not in face and "image.ela" not in face
    assert model_key("video", ["learned.ai_video", "face.blink"]) == "video+face"
    assert model_key("video", ["learned.ai_video", "image.ela"]) == "video"


def test_logistic_to_probability_to_strength() -> None:
    assert probability(0.0) == 0.5 and probability(1e6) > 1 - 1e-12 and probability(-1e6) < 1e-12
    assert np.allclose(probability(np.array([-2.0, 0.0, 2.0])), [0.1192, 0.5, 0.8808], atol=1e-4)
    assert strength(0.5) == 0.0 and strength(0.0) == strength(1.0) == 1.0
    assert strength(0.9, reliability=0.6) == strength(0.1, reliability=0.6) == 0.48
    p, weight = scored(np.log(4.0), reliability=0.5)
    assert p == pytest.approx(0.8) and weight == 0.3



def test_a_module_still_being_imported_counts_as_present(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import types

    half_loaded = types.ModuleType("veracity_test_half_loaded")  # in sys.modules, __spec__ not set yet
    monkeypatch.setitem(sys.modules, half_loaded.__name__, half_loaded)
    with pytest.raises(ValueError):  # what the check used to run into (cv2 while another thread imports it)
        importlib.util.find_spec(half_loaded.__name__)
    info = AnalyzerInfo(id="test.needs", version="1", title="Needs", summary="needs modules",
                        media_kinds=frozenset(MediaKind), requires=(half_loaded.__name__, "veracity_no_such_module"))
    assert info.missing_modules() == ["veracity_no_such_module"]
