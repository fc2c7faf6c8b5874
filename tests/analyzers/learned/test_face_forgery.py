from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from veracity.analyzers.base import AnalysisContext, AnalyzerInfo
from veracity.analyzers.learned.face_forgery import HEATMAP, FaceForgeryAnalyzer
from veracity.evidence import Status
from veracity.media.probe import probe

pytest.importorskip("onnxruntime")
pytest.importorskip("mediapipe")
pytest.importorskip("cv2")
skimage_data = pytest.importorskip("skimage.data")

ASTRONAUT_FACE_XYXY = (160, 20, 260, 150)  # where the face is in skimage's astronaut (512×512)


def _analyze(path: Path) -> Any:
    analyzer = FaceForgeryAnalyzer()
    analyzer.load()
    media = probe(path)
    return analyzer.analyze(media, AnalysisContext(media=media))


def _save(tmp_path: Path, rgb: np.ndarray, name: str) -> Path:
    path = tmp_path / name
    Image.fromarray(rgb).save(path, quality=92)
    return path


def test_a_real_face_picture_gets_a_probability_and_a_finding_on_the_face(tmp_path: Path) -> None:
    result = _analyze(_save(tmp_path, skimage_data.astronaut(), "astronaut.jpg"))
    assert result.status is Status.OK
    assert 0.0 <= result.p_synthetic <= 1.0
    finding = result.findings[0]
    assert finding.code == "learned.face_forgery.face"
    x0, y0, x1, y1 = finding.locus.box_xyxy_px
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    fx0, fy0, fx1, fy1 = ASTRONAUT_FACE_XYXY
    assert fx0 < cx < fx1 and fy0 < cy < fy1
    assert finding.locus.face_track == 1 and finding.locus.artifact == HEATMAP
    assert [a.name for a in result.artifacts] == [HEATMAP]
    assert len(finding.data["frame_p_synthetic"]) == finding.data["crops"] == 1


def test_a_picture_without_a_face_abstains(tmp_path: Path) -> None:
    result = _analyze(_save(tmp_path, skimage_data.coffee(), "coffee.jpg"))
    assert result.status is Status.ABSTAINED


def test_a_video_gets_one_finding_per_face_with_its_time_range(tmp_path: Path) -> None:
    from training.manipulations.face_swap import astronaut_clip, write_clip

    result = _analyze(write_clip(tmp_path / "clip.mp4", astronaut_clip(frames=24)))
    assert result.status is Status.OK
    finding = result.findings[0]
    assert finding.locus.end_s > finding.locus.start_s
    assert 1 < finding.data["crops"] <= 16 and len(finding.data["frame_idx"]) == finding.data["crops"]


def test_a_talking_head_clip_gets_the_same_finite_score_twice(tmp_path: Path) -> None:
    from training.manipulations.face_swap import astronaut_clip, write_clip

    clip = write_clip(tmp_path / "clip.mp4", astronaut_clip(frames=24))
    first, second = _analyze(clip), _analyze(clip)
    assert first.status is Status.OK and first.p_synthetic is not None and np.isfinite(first.p_synthetic)
    assert first.p_synthetic == second.p_synthetic
    assert first.findings[0].data["frame_p_synthetic"] == second.findings[0].data["frame_p_synthetic"]


def test_a_clip_without_a_face_abstains(tmp_path: Path) -> None:
    import cv2
    from training.manipulations.face_swap import write_clip

    photo = cv2.resize(skimage_data.coffee(), (768, 512), interpolation=cv2.INTER_AREA)
    frames = [cv2.warpAffine(photo, np.array([[1, 0, -4.0 * k], [0, 1, 0]], np.float32), (320, 256))
              for k in range(16)]
    assert _analyze(write_clip(tmp_path / "pan.mp4", frames)).status is Status.ABSTAINED


def test_missing_onnxruntime_is_reported_with_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from veracity.scanner import Scanner

    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: ["onnxruntime"])
    report = Scanner(analyzer_ids=["learned.face_forgery"]).check(_save(tmp_path, skimage_data.astronaut(), "a.jpg"))
    result = report.results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert "veracity[learned]" in (result.hint or "")


def test_without_its_model_it_abstains_and_says_why(tmp_path: Path) -> None:
    analyzer = FaceForgeryAnalyzer(model_path=None)
    analyzer.problem = "face_forgery_v2.onnx is missing"
    path = _save(tmp_path, skimage_data.astronaut(), "a.jpg")
    media = probe(path)
    result = analyzer.analyze(media, AnalysisContext(media=media))
    assert result.status is Status.ABSTAINED and "missing" in (result.reason or "")


def test_one_odd_crop_cannot_decide_a_track() -> None:
    from veracity.analyzers.learned._face_forgery_run import track_logit

    steady = np.full(16, -2.0)
    assert track_logit(np.r_[steady[:-1], 9.0]) < 0  # one outlier frame among 16
    assert track_logit(np.r_[np.full(8, 3.0), np.full(8, -3.0)]) > 2  # visible in half the frames: it shows


def test_a_face_is_flagged_and_mapped_only_from_the_flag_line(tmp_path: Path) -> None:
    from veracity.analyzers.learned.face_forgery import FaceForgeryParams
    from veracity.evidence import Direction

    path = _save(tmp_path, skimage_data.astronaut(), "astronaut.jpg")
    media = probe(path)
    results = {}
    for line in (0.0, FaceForgeryParams().flag_above, 1.0):
        analyzer = FaceForgeryAnalyzer(FaceForgeryParams(flag_above=line))
        analyzer.load()
        results[line] = analyzer.analyze(media, AnalysisContext(media=media))
    for line, result in results.items():
        flagged = result.p_synthetic >= line
        assert (result.findings[0].direction is Direction.SYNTHETIC) is flagged
        assert ("regions whose hiding lowers the score" in result.artifacts[0].description) is flagged
    assert results[0.0].findings[0].direction is Direction.SYNTHETIC
    assert results[1.0].findings[0].direction is Direction.NEUTRAL
