from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.analyzers.image._manipulate import inside_outside
from veracity import check
from veracity.analyzers.image._noise import noise_inconsistency
from veracity.analyzers.image._regions import box_iou, region_box
from veracity.evidence import Direction, Status
from veracity.testing.pictures import smooth_scene

PATCH_XYXY = (256, 96, 384, 224)


def _with_patch_noise(sigma: float, seed: int = 1) -> np.ndarray:
    noisy, scene = smooth_scene()
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = PATCH_XYXY
    patch = scene[y0:y1, x0:x1] + rng.normal(0, sigma, (y1 - y0, x1 - x0, 3))
    out = noisy.copy()
    out[y0:y1, x0:x1] = np.clip(patch, 0, 255)
    return out


def test_a_noisier_or_cleaner_patch_scores_higher_inside_than_outside() -> None:
    clean_score, *_ = noise_inconsistency(smooth_scene()[0])
    for sigma in (9.0, 0.5):  # pasted from a noisier camera / denoised or inpainted
        score, anomaly, _sigma = noise_inconsistency(_with_patch_noise(sigma))
        inside, outside = inside_outside(anomaly, PATCH_XYXY, 32)
        assert inside > outside + 0.3
        assert score > clean_score
        assert box_iou(region_box(anomaly, 32), PATCH_XYXY) > 0.4


def test_analyzer_outlines_the_region_and_draws_the_map(tmp_path: Path) -> None:
    Image.fromarray(_with_patch_noise(9.0)).save(tmp_path / "patched.png")
    Image.fromarray(smooth_scene()[0]).save(tmp_path / "clean.png")
    patched = check(tmp_path / "patched.png", analyzers=["image.noise_residual"]).results[0]
    clean = check(tmp_path / "clean.png", analyzers=["image.noise_residual"]).results[0]
    assert patched.status is Status.OK and clean.status is Status.OK
    finding = patched.findings[0]
    assert finding.direction is Direction.SYNTHETIC and finding.locus.box_xyxy_px is not None
    assert finding.locus.artifact == "noise.anomaly" and patched.artifacts[0].content.startswith(b"\x89PNG")
    assert clean.findings[0].code == "image.noise_residual.uniform"
    assert patched.p_synthetic > clean.p_synthetic
