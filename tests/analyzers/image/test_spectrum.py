from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from veracity import check
from veracity.analyzers.image._spectrum import FEATURE_NAMES, spectrum_features, upsampling_peak_score
from veracity.evidence import Status
from veracity.testing.pictures import photo


def _upsampled_twice() -> np.ndarray:
    """A photo with the faint 2-pixel checkerboard that transposed convolutions with stride 2 leave
    (Odena et al., "Deconvolution and checkerboard artifacts", Distill 2016)."""
    rgb = photo("coffee").astype(np.float64)
    yy, xx = np.mgrid[0 : rgb.shape[0], 0 : rgb.shape[1]]
    checker = np.where((yy + xx) % 2 == 0, 2.0, -2.0) + np.where(xx % 2 == 0, 2.0, -2.0)
    return np.clip(rgb + checker[..., None], 0, 255).astype(np.uint8)


def test_features_have_a_fixed_named_layout() -> None:
    for rgb in (photo("coffee"), photo("astronaut")[:100, :300], _upsampled_twice()):
        features = spectrum_features(rgb)
        assert features.shape == (len(FEATURE_NAMES),) and features.dtype == np.float32
        assert np.isfinite(features).all()


def test_upsampling_leaves_a_stronger_periodic_peak_than_a_photo() -> None:
    upsampled = spectrum_features(_upsampled_twice())
    natural = spectrum_features(photo("coffee"))
    assert upsampling_peak_score(upsampled) > upsampling_peak_score(natural)
    axis_half = FEATURE_NAMES.index("peak_axis_0.5")
    assert upsampled[axis_half] > natural[axis_half]


def test_analyzer_draws_the_spectrum_and_gives_no_probability(tmp_path: Path) -> None:
    Image.fromarray(_upsampled_twice()).save(tmp_path / "up.png")
    result = check(tmp_path / "up.png", analyzers=["image.spectrum"]).results[0]
    assert result.status is Status.OK and result.p_synthetic is None
    assert result.findings[0].data["upsampling_peak_score"] > 0.5
    assert result.artifacts[0].content.startswith(b"\x89PNG")
