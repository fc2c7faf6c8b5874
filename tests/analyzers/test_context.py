"""The analysis context: a bounded working copy beside the full-resolution picture, shared work done once under a
lock, and analyzers given up on by the scanner refused further shared work."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.analyzers.image._manipulate import jpeg_roundtrip, photo, smooth_scene
from veracity import check
from veracity.analyzers.base import AnalysisCancelled, AnalysisContext
from veracity.analyzers.image._copy_move import find_copy_move
from veracity.analyzers.image._noise import noise_inconsistency
from veracity.analyzers.image._regions import box_iou, region_box
from veracity.evidence import Direction, Status
from veracity.media import image as media_image
from veracity.media.image import WORKING_MAX_SIDE_PX, working_copy
from veracity.media.probe import probe


def _context(path: Path) -> AnalysisContext:
    return AnalysisContext(media=probe(path))


def test_a_camera_sized_picture_gets_a_bounded_working_copy_and_full_resolution_on_request(tmp_path: Path) -> None:
    big = np.zeros((3900, 5200, 3), dtype=np.uint8)
    big[:, 2600:] = 200
    Image.fromarray(big).save(tmp_path / "big.png")
    ctx = _context(tmp_path / "big.png")
    assert ctx.image().shape == (3900, 5200, 3)  # an analyzer asking for full resolution gets it
    working = ctx.working_image()
    assert max(working.rgb.shape[:2]) <= WORKING_MAX_SIDE_PX
    assert working.factor == 3 and working.rgb.shape[:2] == (1300, 1734)
    assert working.to_full_box((10, 20, 30, 40)) == (30, 60, 90, 120)
    assert ctx.working_image() is working  # computed once
    # a box reduction: each working pixel is the mean of its full-resolution block
    assert working.rgb[0, 865, 0] == 0 and working.rgb[0, 866, 0] == 67 and working.rgb[0, 867, 0] == 200


def test_a_small_picture_is_its_own_working_copy() -> None:
    rgb = photo("chelsea")
    working = working_copy(rgb)
    assert working.factor == 1 and working.rgb is rgb


def test_shared_work_asked_for_by_many_threads_is_computed_once(tmp_path: Path) -> None:
    Image.fromarray(photo("chelsea")).save(tmp_path / "c.png")
    ctx = _context(tmp_path / "c.png")
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    values: list[int] = []
    threads = [threading.Thread(target=lambda: values.append(ctx.cached("test.slow", slow))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == [42] * 6 and len(calls) == 1


def test_a_thread_given_up_on_gets_no_more_shared_work(tmp_path: Path) -> None:
    Image.fromarray(photo("chelsea")).save(tmp_path / "c.png")
    ctx = _context(tmp_path / "c.png")
    ctx.cancel_thread(threading.get_ident())
    with pytest.raises(AnalysisCancelled):
        ctx.cached("test.after", lambda: 1)
    ctx.resume_thread(threading.get_ident())
    assert ctx.cached("test.after", lambda: 1) == 1
    ctx.close()
    with pytest.raises(AnalysisCancelled):
        ctx.checkpoint()


def _noisy_patch(box: tuple[int, int, int, int]) -> np.ndarray:
    noisy, scene = smooth_scene()
    x0, y0, x1, y1 = box
    patch = scene[y0:y1, x0:x1] + np.random.default_rng(1).normal(0, 12.0, (y1 - y0, x1 - x0, 3))
    out = noisy.copy()
    out[y0:y1, x0:x1] = np.clip(patch, 0, 255)
    return out


def test_noise_on_the_working_copy_finds_the_region_full_resolution_finds(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    box = (256, 128, 448, 320)
    picture = _noisy_patch(box)
    _score, anomaly, _sigma = noise_inconsistency(picture)
    full_box = region_box(anomaly, 32)
    Image.fromarray(picture).save(tmp_path / "patched.png")
    monkeypatch.setattr(media_image, "WORKING_MAX_SIDE_PX", 256)  # 512 px wide: analysed at half size
    result = check(tmp_path / "patched.png", analyzers=["image.noise_residual"]).results[0]
    finding = result.findings[0]
    assert finding.data["analysed_at_reduction"] == 2
    assert finding.direction is Direction.SYNTHETIC and finding.locus.box_xyxy_px is not None
    assert box_iou(finding.locus.box_xyxy_px, box) > 0.3  # in the full picture's pixels
    assert box_iou(finding.locus.box_xyxy_px, full_box) > 0.3


def test_copy_move_on_the_working_copy_reports_full_resolution_boxes(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("cv2")
    source, target = (100, 150, 200, 250), (300, 50, 400, 150)
    image = photo("astronaut").copy()
    image[target[1] : target[3], target[0] : target[2]] = image[source[1] : source[3], source[0] : source[2]]
    cloned = jpeg_roundtrip(image, 85)
    full = find_copy_move(cloned)
    Image.fromarray(cloned).save(tmp_path / "cloned.jpg", quality=92)
    monkeypatch.setattr(media_image, "WORKING_MAX_SIDE_PX", 256)
    result = check(tmp_path / "cloned.jpg", analyzers=["image.copy_move"]).results[0]
    assert result.status is Status.OK
    finding = result.findings[0]
    assert finding.code == "image.copy_move.duplicated_region"
    boxes = {finding.locus.box_xyxy_px, tuple(int(v) for v in str(finding.data["source_box_xyxy_px"]).split(","))}
    assert max(box_iou(b, target) for b in boxes) > 0.4 and max(box_iou(b, source) for b in boxes) > 0.4
    assert full.shift_px is not None
    shift = (finding.data["shift_x_px"], finding.data["shift_y_px"])
    assert sorted(abs(round(float(v) / 10)) for v in shift) == sorted(abs(round(v / 10)) for v in full.shift_px)


def test_the_temporal_clip_and_the_sampled_frames_come_from_one_decoding_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.analyzers.learned import _temporal
    from veracity.media import video
    from veracity.samples import samples_dir

    path = samples_dir() / "moving_shapes.mp4"
    separate = AnalysisContext(media=probe(path))
    expected_frames = list(video.iter_frames(separate.media, separate.settings.sampling))
    expected_clip = _temporal.read_clip(separate.media)

    passes = []
    original = video._iter_av_multi

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        passes.append(1)
        yield from original(*args, **kwargs)

    monkeypatch.setattr(video, "_iter_av_multi", counting)
    ctx = AnalysisContext(media=probe(path))
    clip = _temporal.cached_clip(ctx, ctx.media)
    frames = ctx.frames()
    assert len(passes) == 1
    assert [(f.index, f.time_s) for f in frames] == [(f.index, f.time_s) for f in expected_frames]
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(frames, expected_frames, strict=True))
    assert np.array_equal(clip.frame_idx, expected_clip.frame_idx) and np.array_equal(clip.grey, expected_clip.grey)


def test_a_huge_picture_is_reduced_in_bands_to_the_same_pixels() -> None:
    from veracity.media.image import reduce_rgb

    rgb = np.random.default_rng(3).integers(0, 256, (1037, 811, 3), dtype=np.uint8)
    for factor in (2, 7, 13):
        expected = np.asarray(Image.fromarray(rgb).reduce(factor))
        assert np.array_equal(reduce_rgb(rgb, factor, band_bytes=1 << 15), expected)


def test_a_pass_started_before_anyone_asks_stops_converting_a_finished_sampling(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner starts a video's pass as the analysis starts (``start_pass``); frames of a sampling whose
    reader has stopped (the temporal clip after its first seconds) are no longer converted, and every product is
    the same as decoding its sampling alone."""
    from veracity.analyzers import _video_pass
    from veracity.analyzers.learned import _temporal
    from veracity.media import video
    from veracity.samples import samples_dir

    path = samples_dir() / "moving_shapes.mp4"
    separate = AnalysisContext(media=probe(path))
    expected_frames = list(video.iter_frames(separate.media, separate.settings.sampling))
    expected_clip = _temporal.read_clip(separate.media)

    yielded: list[int] = []
    original = video.iter_frames_multi

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        for which, frame in original(*args, **kwargs):
            yielded.append(which)
            yield which, frame

    monkeypatch.setattr(video, "iter_frames_multi", counting)
    monkeypatch.setattr(_temporal, "MAX_FRAMES", 6)  # the clip's reader stops after 0.75 s of the video
    monkeypatch.setattr(_video_pass, "_QUEUE_BYTES", 1)  # the pass runs at most 4 frames ahead of a reader
    expected_clip = _temporal.read_clip(separate.media)
    ctx = AnalysisContext(media=probe(path), expected=frozenset({_video_pass.FRAMES, _video_pass.CLIP}))
    _video_pass.start_pass(ctx)
    passes = ctx.cached("video.passes", list)
    assert len(passes) == 1  # running before any analyzer asked
    frames, clip = ctx.frames(), _temporal.cached_clip(ctx, ctx.media)
    assert len(ctx.cached("video.passes", list)) == 1
    assert [(f.index, f.time_s) for f in frames] == [(f.index, f.time_s) for f in expected_frames]
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(frames, expected_frames, strict=True))
    assert np.array_equal(clip.frame_idx, expected_clip.frame_idx) and np.array_equal(clip.grey, expected_clip.grey)
    clip_index = passes[0].names.index(_video_pass.CLIP)
    every_frame = separate.media.fps * separate.media.duration_s
    converted = yielded.count(clip_index)
    # The clip's sampling takes every frame; it stopped soon after its reader did (within the queue's reach).
    assert len(clip.frame_idx) <= converted < 0.6 * every_frame, (converted, every_frame)


def test_a_finished_sampling_leaves_the_others_unchanged() -> None:
    from veracity.analyzers.learned import _temporal
    from veracity.media import video
    from veracity.samples import samples_dir

    info = probe(samples_dir() / "moving_shapes.mp4")
    samplings = [_temporal.clip_sampling(info), (info, AnalysisContext(media=info).settings.sampling, None)]
    alone = [(f.index, f.rgb) for f in video.iter_frames(info, samplings[1][1])]
    got: dict[int, list[tuple[int, np.ndarray]]] = {0: [], 1: []}
    for which, frame in video.iter_frames_multi(info, samplings, finished=lambda i: i == 0 and len(got[0]) >= 3):
        got[which].append((frame.index, frame.rgb))
    assert [i for i, _rgb in got[0]] == [0, 1, 2]
    assert [i for i, _rgb in got[1]] == [i for i, _rgb in alone]
    assert all(np.array_equal(a, b) for (_i, a), (_j, b) in zip(got[1], alone, strict=True))
