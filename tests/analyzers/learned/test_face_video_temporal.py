from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.base import AnalysisContext
from veracity.analyzers.learned import _face_temporal, _temporal
from veracity.analyzers.learned.ai_video import AiVideoAnalyzer
from veracity.analyzers.learned.face_video_temporal import FaceVideoTemporalAnalyzer
from veracity.evidence import AnalyzerResult, Status
from veracity.media.probe import probe

pytest.importorskip("mediapipe")
pytest.importorskip("cv2")
pytest.importorskip("skimage")


def _face_frames(face_flicker: bool = False) -> list[np.ndarray]:
    """skimage's astronaut with small head motions and camera noise; ``face_flicker`` re-invents fine texture
    inside the face box every frame (as a per-frame face re-render does), leaving the background alone."""
    from training.manipulations.face_swap import astronaut_clip

    frames = astronaut_clip(frames=30, size_px=320)
    if not face_flicker:
        return frames
    import cv2

    boxes = _face_temporal.face_boxes(frames[:1])
    assert boxes[0] is not None
    x0, y0, x1, y1 = (round(v * 320) for v in boxes[0])
    rng = np.random.default_rng(3)
    out = []
    for frame in frames:
        texture = cv2.GaussianBlur(rng.normal(0, 12, (y1 - y0, x1 - x0)).astype(np.float32), (0, 0), 0.8)
        edited = frame.astype(np.float32)
        edited[y0:y1, x0:x1] += texture[..., None]
        out.append(edited.clip(0, 255).astype(np.uint8))
    return out


def _no_face_frames() -> list[np.ndarray]:
    """A pan over skimage's coffee cup: camera-like motion, no face."""
    import cv2
    from skimage import data

    photo = cv2.resize(data.coffee(), (768, 512), interpolation=cv2.INTER_AREA)
    shifts = [np.array([[1, 0, -4.5 * k], [0, 1, 0]], dtype=np.float32) for k in range(30)]
    return [cv2.warpAffine(photo, shift, (320, 256)) for shift in shifts]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from training.manipulations.face_swap import write_clip

    folder = tmp_path_factory.mktemp("face_video_temporal")
    return {"face": write_clip(folder / "face.mp4", _face_frames()),
            "face_flicker": write_clip(folder / "face_flicker.mp4", _face_frames(face_flicker=True)),
            "no_face": write_clip(folder / "no_face.mp4", _no_face_frames())}


def _features(path: Path) -> dict[str, float]:
    clip = _temporal.read_clip(probe(path))
    values, _ = _face_temporal.region_features(clip.rgb_small, _face_temporal.face_boxes(clip.rgb_small))
    return dict(zip(_face_temporal.feature_names(), values, strict=True))


def _analyze(analyzer: FaceVideoTemporalAnalyzer | AiVideoAnalyzer, path: Path) -> AnalyzerResult:
    analyzer.load()
    media = probe(path)
    return analyzer.analyze(media, AnalysisContext(media=media))


def test_face_only_flicker_shows_in_the_face_minus_background_features(clips: dict[str, Path]) -> None:
    plain, edited = _features(clips["face"]), _features(clips["face_flicker"])
    assert edited["diff_hf_residual_med"] > plain["diff_hf_residual_med"] + 0.2
    assert edited["face_hf_residual_med"] > plain["face_hf_residual_med"] + 0.2
    assert abs(edited["bg_hf_residual_med"] - plain["bg_hf_residual_med"]) < 0.1  # the background is untouched
    assert len(plain) == len(_face_temporal.feature_names()) and all(np.isfinite(list(plain.values())))


def test_the_face_gate_separates_a_talking_head_from_a_scene(clips: dict[str, Path]) -> None:
    def fraction(path: Path) -> float:
        clip = _temporal.read_clip(probe(path))
        return _face_temporal.gate_fraction(_face_temporal.face_boxes(clip.rgb_small))

    assert fraction(clips["face"]) > _face_temporal.DOMINANT_FACE_FRACTION
    assert fraction(clips["no_face"]) < _face_temporal.MIN_FACE_FRACTION


def test_analyzer_runs_end_to_end_on_a_face_clip(clips: dict[str, Path]) -> None:
    result = _analyze(FaceVideoTemporalAnalyzer(), clips["face"])
    assert result.status is Status.OK, result.reason
    assert result.p_synthetic is not None and 0.0 <= result.p_synthetic <= 1.0
    finding = result.findings[0]
    assert finding.code == "learned.face_video_temporal.face_vs_background"
    assert float(finding.data["face_fraction"]) > _face_temporal.DOMINANT_FACE_FRACTION  # type: ignore[arg-type]
    locus = finding.locus
    assert locus is not None and locus.start_s is not None and locus.end_s is not None
    assert locus.end_s > locus.start_s


def test_abstains_without_a_face_and_ai_video_abstains_on_a_face(clips: dict[str, Path]) -> None:
    no_face = _analyze(FaceVideoTemporalAnalyzer(), clips["no_face"])
    assert no_face.status is Status.ABSTAINED and "no face" in (no_face.reason or "")
    gated = _analyze(AiVideoAnalyzer(), clips["face"])
    assert gated.status is Status.ABSTAINED and "learned.face_video_temporal" in (gated.reason or "")
    assert _analyze(AiVideoAnalyzer(), clips["no_face"]).status is Status.OK


def test_the_same_clip_gets_the_same_finite_score_twice(clips: dict[str, Path]) -> None:
    first = _analyze(FaceVideoTemporalAnalyzer(), clips["face"])
    second = _analyze(FaceVideoTemporalAnalyzer(), clips["face"])
    assert first.p_synthetic is not None and np.isfinite(first.p_synthetic)
    assert first.p_synthetic == second.p_synthetic
    assert first.findings[0].data == second.findings[0].data


def test_without_its_model_it_abstains_and_says_why(clips: dict[str, Path], tmp_path: Path) -> None:
    result = _analyze(FaceVideoTemporalAnalyzer(model_path=tmp_path / "absent.json"), clips["face"])
    assert result.status is Status.ABSTAINED and "model missing" in (result.reason or "")


def test_block_flicker_shared_per_frame_pair_equals_its_definition() -> None:
    """``region_features`` computes each frame pair's block means once and each region's inside blocks once:
    the mean absolute block average over the blocks wholly inside a region, checked block by block."""
    rng = np.random.default_rng(5)
    block = _face_temporal.BLOCK_PX
    for shape in ((96, 132), (100, 75, 2)):
        x = rng.normal(0, 10, shape).astype(np.float32)
        mask = np.zeros(shape[:2], bool)
        mask[10:70, 20:90] = True
        wanted = [np.abs(x[y : y + block, c : c + block].mean(axis=(0, 1)))
                  for y in range(0, shape[0] - block + 1, block) for c in range(0, shape[1] - block + 1, block)
                  if mask[y : y + block, c : c + block].all()]
        got = _face_temporal._abs_mean_inside(_face_temporal._blocks(x), _face_temporal._inside_blocks(mask))
        assert got == pytest.approx(float(np.mean(wanted)), rel=1e-5)
    nowhere = _face_temporal._inside_blocks(np.zeros(x.shape[:2], bool))
    assert np.isnan(_face_temporal._abs_mean_inside(_face_temporal._blocks(x), nowhere))
