from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

from veracity.analyzers import registry
from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.config import Profile, Settings
from veracity.evidence import AnalyzerResult, MediaInfo, MediaKind, Status
from veracity.scanner import Scanner

from .conftest import SAMPLES

IMAGE_ONLY = frozenset({MediaKind.IMAGE})


class Exploding(Analyzer):
    info = AnalyzerInfo(id="test.exploding", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        raise RuntimeError("boom")


class Sleepy(Analyzer):
    info = AnalyzerInfo(id="test.sleepy", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        time.sleep(3)
        return self.result(Status.OK, p_synthetic=0.9)


class NeedsMissing(Analyzer):
    info = AnalyzerInfo(id="test.needs_missing", version="1", title="", summary="", media_kinds=IMAGE_ONLY,
                        requires=("surely_not_installed_module",), extra="imaginary")

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        raise AssertionError("must not run")


class CountsDecodes(Analyzer):
    info = AnalyzerInfo(id="test.counts", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        first, second = ctx.image(), ctx.image()
        assert first is second
        return self.result(Status.OK, p_synthetic=0.2)


@pytest.fixture()
def with_test_analyzers(monkeypatch: pytest.MonkeyPatch):
    extra = {cls.info.id: cls for cls in (Exploding, Sleepy, NeedsMissing, CountsDecodes)}
    builtin = dict(registry.available())
    monkeypatch.setattr(registry, "available", lambda: {**builtin, **extra})


def test_failures_are_reported_and_others_go_on(with_test_analyzers) -> None:
    settings = Settings(analyzer_timeout_s=0.5)
    ids = ["test.exploding", "test.sleepy", "test.needs_missing", "test.counts", "provenance.metadata"]
    report = Scanner(settings, ids).check(SAMPLES / "camera_photo.jpg")
    by_id = {r.analyzer_id: r for r in report.results}
    assert by_id["test.exploding"].status is Status.ERROR and "boom" in (by_id["test.exploding"].reason or "")
    assert by_id["test.sleepy"].status is Status.TIMEOUT
    assert by_id["test.sleepy"].seconds < 2.5
    missing = by_id["test.needs_missing"]
    assert missing.status is Status.MISSING_DEPENDENCY and "veracity[imaginary]" in (missing.hint or "")
    assert by_id["test.counts"].status is Status.OK
    assert by_id["provenance.metadata"].status is Status.OK
    assert {c.analyzer_id for c in report.verdict.contributions} <= {"test.counts", "provenance.metadata"}


def test_profile_plans_by_kind_and_cost() -> None:
    scanner = Scanner(Settings())
    report = scanner.check(SAMPLES / "tone.wav")
    assert all(MediaKind.AUDIO in registry.get(r.analyzer_id).info.media_kinds for r in report.results)
    assert "image.ela" not in {r.analyzer_id for r in report.results}


def test_progress_events_cover_every_planned_analyzer() -> None:
    events = []
    report = Scanner(Settings()).check(SAMPLES / "camera_photo.jpg", progress=events.append)
    finished = [e.analyzer_id for e in events if e.status == "finished"]
    assert sorted(finished) == sorted(r.analyzer_id for r in report.results)  # in completion order
    assert events[-1].done == events[-1].total


def test_third_party_plugin_found_through_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "veracity_demo_plugin.py").write_text(textwrap.dedent("""
        from veracity.analyzers.base import Analyzer, AnalyzerInfo
        from veracity.evidence import MediaKind, Status

        class Constant(Analyzer):
            info = AnalyzerInfo(id="thirdparty.constant", version="0.0.1", title="Constant", summary="test plug-in",
                                media_kinds=frozenset({MediaKind.IMAGE}))

            def analyze(self, media, ctx):
                return self.result(Status.OK, p_synthetic=0.5)
    """))
    dist = tmp_path / "veracity_demo_plugin-0.0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: veracity-demo-plugin\nVersion: 0.0.1\n")
    (dist / "entry_points.txt").write_text("[veracity.analyzers]\nconstant = veracity_demo_plugin:Constant\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.available.cache_clear()
    try:
        assert "thirdparty.constant" in registry.available()
        report = Scanner(Settings(), ["thirdparty.constant"]).check(SAMPLES / "camera_photo.jpg")
        assert report.results[0].status is Status.OK
    finally:
        sys.modules.pop("veracity_demo_plugin", None)
        registry.available.cache_clear()


_SHARED_CALLS: list[int] = []
_LOOPS: list[int] = []


class SharedReaderA(Analyzer):
    info = AnalyzerInfo(id="test.shared_a", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        def decode() -> int:
            _SHARED_CALLS.append(1)
            time.sleep(0.5)
            return 7

        assert ctx.cached("test.shared", decode) == 7
        return self.result(Status.OK, p_synthetic=0.3)


class SharedReaderB(SharedReaderA):
    info = AnalyzerInfo(id="test.shared_b", version="1", title="", summary="", media_kinds=IMAGE_ONLY)


class Looping(Analyzer):
    """Works in a loop that asks the context between steps, as frame loops do; never finishes on its own."""

    info = AnalyzerInfo(id="test.looping", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        while True:
            _LOOPS.append(1)
            ctx.checkpoint()
            time.sleep(0.01)


@pytest.fixture()
def with_concurrency_analyzers(monkeypatch: pytest.MonkeyPatch):
    extra = {cls.info.id: cls for cls in (SharedReaderA, SharedReaderB, Looping, Sleepy)}
    builtin = dict(registry.available())
    monkeypatch.setattr(registry, "available", lambda: {**builtin, **extra})


def test_analyzers_run_concurrently_and_share_one_decode(with_concurrency_analyzers) -> None:
    _SHARED_CALLS.clear()
    events = []
    scanner = Scanner(Settings(), ["test.shared_a", "test.shared_b", "provenance.metadata"], threads=3)
    report = scanner.check(SAMPLES / "camera_photo.jpg", progress=events.append)
    assert [r.analyzer_id for r in report.results] == ["test.shared_a", "test.shared_b", "provenance.metadata"]
    assert all(r.status is Status.OK for r in report.results)
    assert len(_SHARED_CALLS) == 1  # both asked at once; the second waited for the first one's decode
    started = [e.analyzer_id for e in events if e.status == "started"]
    assert sorted(started) == sorted(r.analyzer_id for r in report.results)
    assert [e.done for e in events if e.status == "finished"] == [1, 2, 3]


def test_concurrent_analyzers_keep_their_time_limits_and_a_timed_out_one_stops(with_concurrency_analyzers) -> None:
    _LOOPS.clear()
    scanner = Scanner(Settings(analyzer_timeout_s=0.5), ["test.looping", "test.sleepy", "provenance.metadata"],
                      threads=3)
    report = scanner.check(SAMPLES / "camera_photo.jpg")
    by_id = {r.analyzer_id: r for r in report.results}
    assert by_id["test.looping"].status is Status.TIMEOUT and by_id["test.sleepy"].status is Status.TIMEOUT
    assert by_id["provenance.metadata"].status is Status.OK
    assert "test.looping" not in {c.analyzer_id for c in report.verdict.contributions}
    # The looping analyzer is refused at its next step instead of running on unseen.
    for _ in range(500):
        if "test.looping" not in scanner.abandoned():
            break
        time.sleep(0.01)
    assert "test.looping" not in scanner.abandoned()
    loops = len(_LOOPS)
    time.sleep(0.1)
    assert len(_LOOPS) == loops


def test_fast_profile_runs_a_visual_analyzer_on_video_and_images_and_says_what_it_skipped() -> None:
    scanner = Scanner(Settings(profile=Profile.FAST))
    for name in ("moving_shapes.mp4", "camera_photo.jpg"):
        report = scanner.check(SAMPLES / name)
        ran = {r.analyzer_id for r in report.results}
        visual = {i for i in ran if not i.startswith(("provenance.", "audio."))}
        assert visual, name
        skipped = scanner.skipped(report.media)
        assert "face.blending" in skipped and not set(skipped) & ran
        assert any(line.startswith("Skipped as slow in this profile") for line in report.verdict.missing), name
    video = scanner.check(SAMPLES / "moving_shapes.mp4")
    assert next(r for r in video.results if r.analyzer_id == "learned.ai_image").status is Status.OK


_LOADS: list[str] = []


class SlowLoad(Analyzer):
    """Loads for a while (weights, a model session), then analyses at once."""

    info = AnalyzerInfo(id="test.slow_load", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def load(self) -> None:
        _LOADS.append(self.info.id)
        time.sleep(1.5)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        return self.result(Status.OK, p_synthetic=0.4)


class FailingLoad(SlowLoad):
    info = AnalyzerInfo(id="test.failing_load", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def load(self) -> None:
        _LOADS.append(self.info.id)
        raise RuntimeError("weights are damaged")


class HangingLoad(SlowLoad):
    info = AnalyzerInfo(id="test.hanging_load", version="1", title="", summary="", media_kinds=IMAGE_ONLY)

    def load(self) -> None:
        _LOADS.append(self.info.id)
        time.sleep(3)


@pytest.fixture()
def with_loading_analyzers(monkeypatch: pytest.MonkeyPatch):
    extra = {cls.info.id: cls for cls in (SlowLoad, FailingLoad, HangingLoad)}
    builtin = dict(registry.available())
    monkeypatch.setattr(registry, "available", lambda: {**builtin, **extra})


def test_analyzers_load_once_per_scanner_outside_the_files_analysis_time(with_loading_analyzers) -> None:
    _LOADS.clear()
    scanner = Scanner(Settings(), ["test.slow_load", "test.failing_load", "provenance.metadata"], threads=2)
    first = scanner.check(SAMPLES / "camera_photo.jpg")
    by_id = {r.analyzer_id: r for r in first.results}
    assert by_id["test.slow_load"].status is Status.OK
    # Loading is the worker's one-time cost: neither the analyzer's nor the file's seconds carry the 1.5-s load.
    assert by_id["test.slow_load"].seconds < 1.0 and first.seconds < 1.5
    failed = by_id["test.failing_load"]  # a load that fails is reported by the analyzer's own run
    assert failed.status is Status.ERROR and "weights are damaged" in (failed.reason or "")
    assert by_id["provenance.metadata"].status is Status.OK
    second = scanner.check(SAMPLES / "camera_photo.jpg")
    assert {r.analyzer_id: r.status for r in second.results} == {r.analyzer_id: r.status for r in first.results}
    assert _LOADS.count("test.slow_load") == 1  # kept loaded for the next file


def test_a_load_past_the_time_limit_times_out_its_analyzer_only(with_loading_analyzers) -> None:
    _LOADS.clear()
    scanner = Scanner(Settings(analyzer_timeout_s=0.5), ["test.hanging_load", "provenance.metadata"], threads=2)
    report = scanner.check(SAMPLES / "camera_photo.jpg")
    by_id = {r.analyzer_id: r for r in report.results}
    assert by_id["test.hanging_load"].status is Status.TIMEOUT
    assert by_id["provenance.metadata"].status is Status.OK
    assert _LOADS == ["test.hanging_load"]  # its run waited for the load under way instead of starting another


def test_analyzers_start_in_an_order_that_keeps_the_threads_busy() -> None:
    """The pass decodes from the moment the analysis starts: the threads first take analyzers that read none of
    it, then those reading only its early clip, and last those waiting for frames or face tracks."""
    from veracity.analyzers._video_pass import wait_rank
    from veracity.media.probe import probe
    from veracity.scanner import _Run, _start_order

    assert [wait_rank(frozenset(s)) for s in ((), {"learned.temporal.clip"}, {"face.tracks"},
                                              {"learned.temporal.clip", "video.frames"})] == [0, 1, 2, 2]
    media = probe(SAMPLES / "moving_shapes.mp4")
    planned = Scanner(Settings()).plan(media)
    order = [wait_rank(run.cls.info.shares) for run in _start_order([_Run(i, c) for i, c in enumerate(planned)], media)]
    assert order == sorted(order) and order[0] == 0 and order[-1] == 2 and 1 in order
    picture = probe(SAMPLES / "camera_photo.jpg")  # no pass: the costlier analyzers first, families in turn
    runs = _start_order([_Run(i, c) for i, c in enumerate(Scanner(Settings()).plan(picture))], picture)
    costs = [run.cls.info.cost for run in runs]
    assert costs == sorted(costs, reverse=True) and costs[0] > costs[-1]
    first_family = [run.cls.info.id.split(".")[0] for run in runs if run.cls.info.cost == costs[0]]
    assert first_family[0] != first_family[1]


def test_a_files_decoding_starts_before_its_analyzers_load_and_counts_in_its_analysis_time() -> None:
    """A picture is decoded while a worker's analyzers load for its first file (not once they are loaded); a
    video's decoding pass starts at once; the time the decoding ran before the analyzers started is counted."""
    import numpy as np

    from veracity.media.image import load_rgb
    from veracity.media.probe import probe
    from veracity.scanner import _DecodeAhead

    picture = probe(SAMPLES / "camera_photo.jpg")
    idle = AnalysisContext(media=picture)
    assert _DecodeAhead(idle, loading=False).seconds_before(time.perf_counter()) == 0.0
    assert not idle.has("image.rgb")  # nothing to overlap: the analyzers decode when they ask
    ctx = AnalysisContext(media=picture)
    ahead = _DecodeAhead(ctx, loading=True)
    deadline = time.perf_counter() + 60
    while ahead.finished is None and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert ctx.has("image.rgb") and np.array_equal(ctx.image(), load_rgb(Path(picture.path)))
    later = time.perf_counter() + 5
    assert 0.0 < ahead.seconds_before(later) == ahead.finished - ahead.started  # type: ignore[operator]
    clip = AnalysisContext(media=probe(SAMPLES / "moving_shapes.mp4"), expected=frozenset({"video.frames"}))
    video_ahead = _DecodeAhead(clip, loading=False)
    assert len(clip.cached("video.passes", list)) == 1 and video_ahead.finished is None
    assert video_ahead.seconds_before(video_ahead.started + 2.0) == 2.0
    assert [f.index for f in clip.frames()]
    clip.close()
