from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.analyzers.image._manipulate import inside_outside
from veracity import check
from veracity.analyzers.image._double_jpeg import ghost_inconsistency, global_ghost, resave_differences
from veracity.analyzers.image._regions import box_iou, region_box
from veracity.evidence import Direction, Status
from veracity.testing.pictures import jpeg_roundtrip, photo, save_jpeg, splice_fresh_into_compressed

PATCH_XYXY = (128, 64, 256, 192)  # on the 8-px grid, as the ghost search assumes
QUALITIES = (50, 55, 60, 65, 70, 75, 80, 85)


def _spliced(final_quality: int | None = 90):
    return splice_fresh_into_compressed(photo("chelsea"), photo("astronaut")[100:, 150:], PATCH_XYXY,
                                        background_quality=65, final_quality=final_quality)


def test_a_region_with_another_compression_history_scores_higher_inside_than_outside() -> None:
    score, anomaly, _ghost = ghost_inconsistency(_spliced(), QUALITIES)
    clean_score, _clean_anomaly, _ = ghost_inconsistency(jpeg_roundtrip(photo("chelsea"), 90), QUALITIES)
    inside, outside = inside_outside(anomaly, PATCH_XYXY, 16)
    assert inside > outside + 0.2
    assert score > clean_score
    assert box_iou(region_box(anomaly, 16), PATCH_XYXY) > 0.5


def test_the_whole_picture_compressed_twice_shows_a_ghost_at_the_first_quality() -> None:
    twice = jpeg_roundtrip(jpeg_roundtrip(photo("coffee"), 60), 90)
    quality, depth = global_ghost(resave_differences(twice, QUALITIES), QUALITIES)
    assert quality == 60 and depth > 0.5
    once_quality, once_depth = global_ghost(resave_differences(jpeg_roundtrip(photo("coffee"), 90), QUALITIES),
                                            QUALITIES)
    assert once_depth < depth


def test_analyzer_outlines_the_spliced_region(tmp_path: Path) -> None:
    spliced_path = save_jpeg(_spliced(final_quality=None), tmp_path / "spliced.jpg", 90)
    clean_path = save_jpeg(photo("chelsea"), tmp_path / "clean.jpg", 90)
    spliced = check(spliced_path, analyzers=["image.double_jpeg"]).results[0]
    clean = check(clean_path, analyzers=["image.double_jpeg"]).results[0]
    assert spliced.status is Status.OK and clean.status is Status.OK
    region = next(f for f in spliced.findings if f.code == "image.double_jpeg.inconsistent_region")
    assert region.direction is Direction.SYNTHETIC and box_iou(region.locus.box_xyxy_px, PATCH_XYXY) > 0.3
    assert spliced.p_synthetic > clean.p_synthetic
    assert spliced.artifacts[0].name == "double_jpeg.ghosts"


def test_low_quality_and_png_files_are_not_judged(tmp_path: Path) -> None:
    low = check(save_jpeg(photo("coffee"), tmp_path / "low.jpg", 55), analyzers=["image.double_jpeg"]).results[0]
    assert low.status is Status.ABSTAINED
    Image.fromarray(photo("coffee")).save(tmp_path / "x.png")
    assert check(tmp_path / "x.png", analyzers=["image.double_jpeg"]).results[0].status is Status.NOT_APPLICABLE
