from __future__ import annotations

from pathlib import Path

from veracity import check
from veracity.analyzers.image._ela import ela_multi_quality
from veracity.analyzers.image._regions import box_iou, region_box
from veracity.evidence import Direction, Status
from veracity.samples import samples_dir
from veracity.testing.pictures import jpeg_roundtrip, photo, save_jpeg, splice_fresh_into_compressed

PASTED_XYXY = (380, 120, 540, 280)  # where samples/_make.py pasted the astronaut's face


def _ela(path: Path):
    return next(r for r in check(path, analyzers=["image.ela"]).results if r.analyzer_id == "image.ela")


def test_spliced_sample_scores_clearly_higher_and_its_box_covers_the_pasted_face() -> None:
    spliced, camera = _ela(samples_dir() / "spliced_photo.jpg"), _ela(samples_dir() / "camera_photo.jpg")
    assert spliced.p_synthetic > camera.p_synthetic + 0.15
    finding = spliced.findings[0]
    assert finding.code == "image.ela.inconsistent_region" and finding.direction is Direction.SYNTHETIC
    assert box_iou(finding.locus.box_xyxy_px, PASTED_XYXY) > 0.6
    assert camera.findings[0].code == "image.ela.uniform"
    assert {a.name for a in spliced.artifacts} == {"ela.anomaly", "ela.levels"}
    assert spliced.artifacts[0].content.startswith(b"\x89PNG")


def test_a_patch_spliced_from_another_photo_stands_out_where_it_was_pasted(tmp_path: Path) -> None:
    box = (256, 96, 384, 224)
    base = photo("chelsea")
    spliced = splice_fresh_into_compressed(base, photo("astronaut")[40:, 160:], box, background_quality=60,
                                           final_quality=90)
    score, _quality, anomaly, _levels = ela_multi_quality(spliced)
    clean_score, *_ = ela_multi_quality(jpeg_roundtrip(base, 90))
    assert score > clean_score
    assert box_iou(region_box(anomaly, 16), box) > 0.4


def test_png_is_not_applicable(tmp_path: Path) -> None:
    result = _ela(samples_dir() / "generated_parameters.png")
    assert result.status is Status.NOT_APPLICABLE
    save_jpeg(photo("coffee"), tmp_path / "x.jpg", 90)
    assert _ela(tmp_path / "x.jpg").status is Status.OK


def test_strip_wise_resave_gives_the_same_levels_as_resaving_the_whole_picture() -> None:
    """Error levels are computed a strip at a time (a 100-MP JPEG peaked at 1.9 GB with two whole-picture Pillow
    copies); cut at MCU rows with a margin, each strip re-saves to exactly the pixels of the whole re-save."""
    from io import BytesIO

    import numpy as np
    from PIL import Image

    from veracity.analyzers.image._ela import STRIP_ROWS, block_means, error_level_maps, error_levels

    rgb = np.concatenate([photo("chelsea"), photo("astronaut")[:, :451]])[: 2 * STRIP_ROWS + 37]  # ragged strips
    buffer = BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=70)
    whole = np.asarray(Image.open(buffer).convert("RGB")).astype(np.float32)
    expected = np.abs(rgb.astype(np.float32) - whole).mean(axis=2)
    assert rgb.shape[0] > 2 * STRIP_ROWS
    np.testing.assert_allclose(error_levels(rgb, 70), expected, atol=1e-4)
    # the block means and a reduced picture of the levels, strip by strip, without a whole per-pixel map
    blocks, shown = error_level_maps(rgb, 70, 16, shown_factor=3)
    np.testing.assert_allclose(blocks, block_means(expected, 16), atol=1e-4)
    np.testing.assert_allclose(shown, block_means(expected, 3), atol=1e-4)
