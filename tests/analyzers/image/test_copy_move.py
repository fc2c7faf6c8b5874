from __future__ import annotations

from pathlib import Path

import pytest

from veracity import check
from veracity.analyzers.base import AnalyzerInfo
from veracity.analyzers.image._copy_move import find_copy_move
from veracity.analyzers.image._regions import box_iou
from veracity.evidence import Direction, Status
from veracity.testing.pictures import jpeg_roundtrip, photo, save_jpeg

pytest.importorskip("cv2")

SOURCE_XYXY = (100, 150, 200, 250)
TARGET_XYXY = (300, 50, 400, 150)


def _cloned(name: str = "astronaut"):
    image = photo(name).copy()
    (sx0, sy0, sx1, sy1), (tx0, ty0, tx1, ty1) = SOURCE_XYXY, TARGET_XYXY
    image[ty0:ty1, tx0:tx1] = image[sy0:sy1, sx0:sx1]
    return jpeg_roundtrip(image, 85)


@pytest.mark.parametrize("name", ["astronaut", "chelsea"])
def test_a_cloned_patch_is_found_with_its_source_and_shift(name: str) -> None:
    found = find_copy_move(_cloned(name))
    clean = find_copy_move(jpeg_roundtrip(photo(name), 85))
    assert found.inliers >= 10 > clean.inliers
    boxes = {found.source_box_xyxy_px, found.target_box_xyxy_px}
    assert max(box_iou(b, TARGET_XYXY) for b in boxes) > 0.5
    assert max(box_iou(b, SOURCE_XYXY) for b in boxes) > 0.5
    assert sorted(abs(round(v)) for v in found.shift_px) == [100, 200]


def test_analyzer_reports_the_duplicated_region(tmp_path: Path) -> None:
    cloned = check(save_jpeg(_cloned(), tmp_path / "cloned.jpg", 90), analyzers=["image.copy_move"]).results[0]
    clean = check(save_jpeg(photo("astronaut"), tmp_path / "clean.jpg", 90), analyzers=["image.copy_move"]).results[0]
    finding = cloned.findings[0]
    assert finding.code == "image.copy_move.duplicated_region" and finding.direction is Direction.SYNTHETIC
    assert finding.locus.artifact == "copy_move.matches" and cloned.artifacts[0].content.startswith(b"\x89PNG")
    assert clean.findings[0].code == "image.copy_move.none"
    assert cloned.p_synthetic > clean.p_synthetic


def test_missing_opencv_gives_a_status_and_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: list(self.requires))
    result = check(save_jpeg(photo("coffee"), tmp_path / "x.jpg", 90), analyzers=["image.copy_move"]).results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert "cv2" in result.reason and "veracity[forensics]" in result.hint
