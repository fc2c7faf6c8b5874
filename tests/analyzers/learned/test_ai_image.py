from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.analyzers.base import AnalysisContext
from veracity.analyzers.learned._ai_image_features import feature_names, image_features
from veracity.analyzers.learned._tabular import TabularModel
from veracity.analyzers.learned.ai_image import AiImageAnalyzer, clip_log_odds
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


def _analyze(path: Path) -> object:
    analyzer = AiImageAnalyzer()
    analyzer.load()
    media = probe(path)
    return analyzer.analyze(media, AnalysisContext(media=media))


@pytest.mark.parametrize("shape", [(60, 100, 3), (300, 2000, 3), (1500, 700, 3)])
def test_features_have_a_fixed_length_whatever_the_size_and_aspect(shape: tuple[int, int, int]) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    features = image_features(rgb)
    assert features.shape == (len(feature_names()),)
    assert np.isfinite(features).all()


def test_image_gets_a_probability_with_a_finding(tmp_path: Path) -> None:
    result = _analyze(_saved(tmp_path, _photo(), "photo.png"))
    assert result.status is Status.OK
    assert 0.0 <= result.p_synthetic <= 1.0
    assert result.findings[0].code == "learned.ai_image.score"


def test_png_and_jpeg_q95_of_one_picture_score_alike(tmp_path: Path) -> None:
    """The model must not read the container: the same pixels as PNG and as JPEG q95 score within 0.1, and their
    features are closer than those of two different photos."""
    rgb = _photo()
    p_png = _analyze(_saved(tmp_path, rgb, "a.png")).p_synthetic
    p_jpeg = _analyze(_saved(tmp_path, rgb, "a.jpg", quality=95)).p_synthetic
    assert abs(p_png - p_jpeg) < 0.1

    def features(rgb_in: np.ndarray, **options: object) -> np.ndarray:
        buffer = io.BytesIO()
        Image.fromarray(rgb_in).save(buffer, **options)
        buffer.seek(0)
        return image_features(np.asarray(Image.open(buffer).convert("RGB")))

    png, jpeg = features(rgb, format="PNG"), features(rgb, format="JPEG", quality=95)
    other = features(_photo("coffee")[:512, :512], format="PNG")
    assert np.linalg.norm(png - jpeg) < np.linalg.norm(png - other)


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
    media = probe(_saved(tmp_path, _photo(), "photo.png"))
    result = analyzer.analyze(media, AnalysisContext(media=media))
    assert result.status is Status.ABSTAINED and "model missing" in (result.reason or "")


def test_altered_shipped_model_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    model = registry.MODELS["ai_image"]
    monkeypatch.setitem(registry.MODELS, "ai_image", replace(model, sha256="0" * 64))
    with pytest.raises(registry.ModelError, match="sha256"):
        registry.shipped_file("ai_image")


def test_shipped_model_matches_its_registry_hash() -> None:
    assert registry.state(registry.MODELS["ai_image"]).verified


def test_json_gbt_matches_scikit_learn(tmp_path: Path) -> None:
    ensemble = pytest.importorskip("sklearn.ensemble")
    import json

    from training.ai_image import export
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 > 0.4).astype(int)
    model = ensemble.GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0).fit(x, y)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(export(model, "gbt", [f"f{i}" for i in range(5)])))
    assert np.allclose(TabularModel.from_json(path).log_odds(x), model.decision_function(x), atol=1e-6)
