from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.analyzers.base import AnalysisContext
from veracity.analyzers.learned.ai_image import AiImageAnalyzer, clip_log_odds
from veracity.analyzers.learned.trunk import OUTPUTS, WIDTHS, Trunk, TrunkProbe, picture_patch_features
from veracity.evidence import Status
from veracity.media.probe import probe
from veracity.models import registry

from ...conftest import SAMPLES


def _photo(name: str = "astronaut") -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return getattr(data, name)()[..., :3]


def _saved(tmp_path: Path, rgb: np.ndarray, name: str, **options: object) -> Path:
    path = tmp_path / name
    Image.fromarray(rgb).save(path, **options)
    return path


def _analyze(path: Path, analyzer: AiImageAnalyzer | None = None) -> object:
    if analyzer is None:
        analyzer = AiImageAnalyzer()
        analyzer.load()
    media = probe(path)
    return analyzer.analyze(media, AnalysisContext(media=media))


def test_image_gets_a_finite_probability_with_a_finding(tmp_path: Path) -> None:
    result = _analyze(_saved(tmp_path, _photo(), "photo.png"))
    assert result.status is Status.OK
    assert 0.0 < result.p_synthetic < 1.0
    assert result.findings[0].code == "learned.ai_image.score"
    assert np.isfinite(result.findings[0].data["log_odds"])


def test_the_same_file_scores_the_same_twice(tmp_path: Path) -> None:
    path = _saved(tmp_path, _photo("coffee"), "coffee.jpg", quality=90)
    assert _analyze(path).p_synthetic == _analyze(path).p_synthetic


def test_a_large_picture_is_read_at_its_own_resolution(tmp_path: Path) -> None:
    """A 1600 px picture is cut into patches, not shrunk: its patches hold its own pixels."""
    rgb = np.asarray(Image.fromarray(_photo()).resize((1600, 1600), Image.Resampling.BICUBIC))
    result = _analyze(_saved(tmp_path, rgb, "big.png"))
    assert result.status is Status.OK and 0.0 < result.p_synthetic < 1.0


def test_video_frames_get_a_clip_probability_and_per_frame_scores() -> None:
    result = _analyze(SAMPLES / "moving_shapes.mp4")
    assert result.status is Status.OK
    data = result.findings[0].data
    assert data["frames"] == len(data["frame_p_synthetic"]) > 1
    assert all(0.0 <= p <= 1.0 for p in data["frame_p_synthetic"])


def test_a_few_bad_frames_pull_the_clip_score_up() -> None:
    calm = np.full(12, -2.0)
    spiky = calm.copy()
    spiky[:3] = 3.0
    assert clip_log_odds(spiky) > clip_log_odds(calm) + 1.0
    assert clip_log_odds(spiky) > float(spiky.mean())


def test_missing_model_abstains_with_a_reason(tmp_path: Path) -> None:
    analyzer = AiImageAnalyzer(model_path=tmp_path / "absent.json")
    analyzer.load()
    result = _analyze(_saved(tmp_path, _photo(), "photo.png"), analyzer)
    assert result.status is Status.ABSTAINED and "model missing" in (result.reason or "")


def test_a_model_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    shipped = json.loads(registry.shipped_file("ai_image").read_text())
    shipped["coef"] = shipped["coef"][:10]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(shipped))
    analyzer = AiImageAnalyzer(model_path=path)
    analyzer.load()
    result = _analyze(_saved(tmp_path, _photo(), "photo.png"), analyzer)
    assert result.status is Status.ABSTAINED and "coefficients" in (result.reason or "")


def test_probe_direction_follows_its_coefficients(tmp_path: Path) -> None:
    """A probe whose only weight is on one trunk feature ranks pictures by that feature."""
    width = sum(WIDTHS[o] for o in OUTPUTS)
    coef = np.zeros(2 * width)
    coef[0] = 1.0
    probe_json = {"kind": "trunk_probe", "trunk": "mobilenetv2_trunk", "spread": True, "mean": [0.0] * (2 * width),
                  "scale": [1.0] * (2 * width), "coef": coef.tolist(), "intercept": 0.0,
                  "platt": {"still": {"scale": 1.0, "offset": 0.0}, "clip": {"scale": 1.0, "offset": 0.0}}}
    model = TrunkProbe(probe_json)
    trunk = Trunk.shipped()
    pictures = [picture_patch_features(trunk, _photo(n)[:400, :400]) for n in ("astronaut", "coffee")]
    logits = model.logits(pictures)
    assert np.allclose(logits, [p[:, 0].mean() for p in pictures], atol=1e-5)


def test_altered_shipped_model_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    model = registry.MODELS["ai_image"]
    monkeypatch.setitem(registry.MODELS, "ai_image", replace(model, sha256="0" * 64))
    with pytest.raises(registry.ModelError, match="sha256"):
        registry.shipped_file("ai_image")


def test_shipped_model_matches_its_registry_hash() -> None:
    assert registry.state(registry.MODELS["ai_image"]).verified
