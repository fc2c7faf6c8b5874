from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity import check
from veracity.analyzers.base import AnalysisContext, AnalyzerInfo
from veracity.analyzers.learned import _temporal
from veracity.analyzers.learned.ai_video import ARTIFACT_NAME, AiVideoAnalyzer
from veracity.evidence import Status
from veracity.media.probe import probe

PAN_PX_PER_S = 45.0


def _pan(fps: float, seconds: float = 3.0, flicker: bool = False, seed: int = 0) -> list[np.ndarray]:
    """A camera-like horizontal pan over a natural photo; ``flicker`` adds independent fine texture to every
    frame (the way a generator re-invents texture) plus patch-wise brightness jitter."""
    import cv2

    data = pytest.importorskip("skimage.data")
    # No face in it: learned.ai_video abstains when a face fills the frame (that is learned.face_video_temporal's).
    photo = cv2.resize(data.coffee(), (768, 512), interpolation=cv2.INTER_AREA).astype(np.float32)
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(int(round(seconds * fps))):
        x0 = PAN_PX_PER_S * k / fps
        shift = np.float32([[1, 0, -x0], [0, 1, 0]])
        frame = cv2.warpAffine(photo, shift, (320, 256), flags=cv2.INTER_LINEAR)
        if flicker:
            texture = cv2.GaussianBlur(rng.normal(0, 14, frame.shape[:2]).astype(np.float32), (0, 0), 0.8)
            patches = cv2.resize(rng.normal(0, 6, (4, 5)).astype(np.float32), (320, 256),
                                 interpolation=cv2.INTER_CUBIC)
            frame = frame + (texture + patches)[..., None]
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


def _mp4(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    import av

    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001), options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for k, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            frame.pts = k
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _gif(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    images = [Image.fromarray(f) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    return path


def _features(path: Path) -> dict[str, float]:
    clip = _temporal.read_clip(probe(path))
    values = _temporal.clip_features(_temporal.pair_series(clip))
    return dict(zip(_temporal.temporal_feature_names(), values, strict=True))


def _analyze(path: Path) -> object:
    analyzer = AiVideoAnalyzer()
    analyzer.load()
    media = probe(path)
    return analyzer.analyze(media, AnalysisContext(media=media))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ai_video")
    smooth_10 = _pan(10.0)
    return {
        "smooth_10": _mp4(folder / "smooth10.mp4", smooth_10, 10.0),
        "smooth_30": _mp4(folder / "smooth30.mp4", _pan(30.0), 30.0),
        "smooth_10_as_30": _mp4(folder / "smooth10as30.mp4", [f for f in smooth_10 for _ in range(3)], 30.0),
        "flicker_10": _mp4(folder / "flicker10.mp4", _pan(10.0, flicker=True), 10.0),
    }


def test_flickering_texture_scores_higher_than_a_smooth_pan(clips: dict[str, Path]) -> None:
    smooth, flicker = _features(clips["smooth_10"]), _features(clips["flicker_10"])
    assert flicker["hf_residual_med"] > smooth["hf_residual_med"] + 0.3
    assert flicker["lf_flicker_med"] > smooth["lf_flicker_med"]
    assert flicker["warp_explained_med"] > smooth["warp_explained_med"]


def test_features_do_not_follow_the_frame_rate(clips: dict[str, Path]) -> None:
    """The same pan rendered at 10 and 30 fps, and the 10 fps clip re-encoded at 30 fps with repeated frames,
    measure alike: each residual feature moves much less than between the smooth pan and the flickering one."""
    base, flicker = _features(clips["smooth_10"]), _features(clips["flicker_10"])
    for other in ("smooth_30", "smooth_10_as_30"):
        values = _features(clips[other])
        for name in ("hf_residual_med", "warp_explained_med", "lf_flicker_med"):
            gap = flicker[name] - base[name]
            assert abs(values[name] - base[name]) < 0.4 * gap, (other, name, values[name], base[name], gap)


def test_repeated_frames_are_dropped_before_measuring(clips: dict[str, Path]) -> None:
    plain = _temporal.read_clip(probe(clips["smooth_10"]))
    repeated = _temporal.read_clip(probe(clips["smooth_10_as_30"]))
    assert abs(len(plain.time_s) - len(repeated.time_s)) <= 1
    assert np.median(np.diff(repeated.time_s)) == pytest.approx(0.1, abs=0.02)


def test_analyzer_runs_end_to_end_on_mp4_and_gif(clips: dict[str, Path], tmp_path: Path) -> None:
    gif = _gif(tmp_path / "pan.gif", _pan(8.0, seconds=2.0, flicker=True, seed=1), 8.0)
    for path in (clips["smooth_10"], gif):
        result = _analyze(path)
        assert result.status is Status.OK, result.reason
        assert 0.0 <= result.p_synthetic <= 1.0
        finding = result.findings[0]
        assert finding.code == "learned.ai_video.temporal"
        assert finding.locus.artifact == ARTIFACT_NAME
        assert finding.locus.start_s is not None and finding.locus.end_s >= finding.locus.start_s
        assert result.artifacts[0].name == ARTIFACT_NAME
        assert result.artifacts[0].content.startswith(b"\x89PNG")


def test_a_clip_longer_than_it_reads_says_which_span_it_covered(clips: dict[str, Path], tmp_path: Path) -> None:
    whole = _analyze(clips["smooth_10"]).findings[0]
    assert "covered" not in whole.message and "covered_s" not in whole.data
    long_clip = _mp4(tmp_path / "long.mp4", _pan(10.0, seconds=8.0), 10.0)
    finding = _analyze(long_clip).findings[0]
    start, end = finding.data["covered_s"]
    assert start < 0.5 and end < 7.5
    assert f"covered {start:.1f}–{end:.1f} s of a {probe(long_clip).duration_s:.1f}-s clip" in finding.message


def test_trunk_drift_is_higher_for_reinvented_texture(clips: dict[str, Path]) -> None:
    """The early-depth trunk features of a clip whose fine texture is re-drawn every frame drift more from frame to
    frame than those of a smooth camera pan."""
    from veracity.analyzers.learned.trunk import Trunk, consistency_features, consistency_names

    trunk = Trunk.shipped()
    names = consistency_names()
    drift = {k: dict(zip(names, consistency_features(trunk, _temporal.read_clip(probe(clips[k])).rgb_small),
                         strict=True)) for k in ("smooth_10", "flicker_10")}
    assert drift["flicker_10"]["drift_gap_stride2_med"] > drift["smooth_10"]["drift_gap_stride2_med"]


def test_scores_are_finite_and_repeatable(clips: dict[str, Path]) -> None:
    first, second = _analyze(clips["flicker_10"]), _analyze(clips["flicker_10"])
    assert first.status is Status.OK and 0.0 < first.p_synthetic < 1.0
    assert first.p_synthetic == second.p_synthetic
    data = first.findings[0].data
    assert np.isfinite([data["still_clip_logit"], data["still_frame_spread"], data["hf_residual_med"]]).all()


def test_missing_model_abstains_with_a_reason(clips: dict[str, Path], tmp_path: Path) -> None:
    analyzer = AiVideoAnalyzer(model_path=tmp_path / "absent.json")
    analyzer.load()
    media = probe(clips["smooth_10"])
    result = analyzer.analyze(media, AnalysisContext(media=media))
    assert result.status is Status.ABSTAINED and "model missing" in (result.reason or "")


def test_a_still_model_it_was_not_trained_with_is_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    import json

    from veracity.models.registry import shipped_file

    spec = json.loads(shipped_file("ai_video").read_text())
    spec["still_model_sha256"] = "0" * 64
    path = tmp_path / "other.json"
    path.write_text(json.dumps(spec))
    analyzer = AiVideoAnalyzer(model_path=path)
    analyzer.load()
    media = probe(clips["smooth_10"])
    result = analyzer.analyze(media, AnalysisContext(media=media))
    assert result.status is Status.ABSTAINED and "another learned.ai_image" in (result.reason or "")


def test_abstains_on_a_static_clip_and_skips_stills(tmp_path: Path) -> None:
    still = _pan(10.0, seconds=0.1)[0]
    static = _mp4(tmp_path / "static.mp4", [still] * 20, 10.0)
    assert _analyze(static).status is Status.ABSTAINED
    photo = tmp_path / "still.png"
    Image.fromarray(still).save(photo)
    assert _analyze(photo).status is Status.NOT_APPLICABLE
    assert "learned.ai_video" not in {r.analyzer_id for r in check(photo).results}  # the scanner skips it


def test_missing_opencv_gives_a_status_and_a_hint(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: list(self.requires))
    result = check(clips["smooth_10"], analyzers=["learned.ai_video"]).results[0]
    assert result.status is Status.MISSING_DEPENDENCY
    assert "cv2" in result.reason and "veracity[forensics]" in result.hint
