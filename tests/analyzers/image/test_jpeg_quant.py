from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity import check
from veracity.analyzers.image._jpeg_quant import estimate_quality
from veracity.evidence import Status
from veracity.samples import samples_dir
from veracity.testing.pictures import photo, save_jpeg


def _tables(quality: int | None, **options: object) -> dict[int, list[int]]:
    buffer = io.BytesIO()
    extra = {"quality": quality} if quality is not None else {}
    Image.fromarray(photo("coffee")[:64, :64]).save(buffer, "JPEG", **extra, **options)
    return {k: list(v) for k, v in Image.open(buffer).quantization.items()}


@pytest.mark.parametrize("quality", [20, 50, 75, 90, 100])
def test_pillow_jpeg_quality_is_recovered_exactly_with_standard_tables(quality: int) -> None:
    estimate = estimate_quality(_tables(quality))
    assert estimate.quality == quality and estimate.standard
    assert estimate.family == "standard libjpeg (IJG)"


def test_custom_tables_are_not_called_standard_but_get_a_close_quality() -> None:
    luma = (np.array(_tables(80)[0]) + np.arange(64) % 3).clip(1, 255).tolist()
    written = _tables(None, qtables=[luma, _tables(80)[1]])
    assert written[0] == luma
    estimate = estimate_quality(written)
    assert not estimate.standard and estimate.family == "custom (unknown)"
    assert abs(estimate.quality - 80) <= 5


def test_known_software_tables_are_recognised_by_their_sums() -> None:
    # Photoshop CS2 quality 12 per GIMP's jpegqual.c: luminance sum 95, chrominance sum 166.
    luma, chroma = [1] * 64, [1] * 64
    luma[:31] = [2] * 31
    chroma[:102 - 64] = [2] * 38
    chroma[-1] += 64
    assert (sum(luma), sum(chroma)) == (95, 166)
    estimate = estimate_quality({0: luma, 1: chroma})
    assert estimate.software == "Adobe Photoshop CS2" and estimate.setting == "quality 12"
    assert estimate.family == "editing software"


def test_analyzer_reports_quality_and_a_table_picture(tmp_path: Path) -> None:
    result = check(save_jpeg(photo("chelsea"), tmp_path / "q75.jpg", 75), analyzers=["image.jpeg_quant"]).results[0]
    assert result.status is Status.OK and result.p_synthetic is None
    assert result.findings[0].data["quality"] == 75 and result.findings[0].data["standard_ijg"] is True
    assert result.artifacts[0].content.startswith(b"\x89PNG")
    png = check(samples_dir() / "generated_parameters.png", analyzers=["image.jpeg_quant"]).results[0]
    assert png.status is Status.NOT_APPLICABLE
