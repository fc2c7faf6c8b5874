"""Plan the analyzers for a file, run each isolated with a time limit, fuse their results into a report."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from veracity import __version__
from veracity.analyzers import registry
from veracity.analyzers.base import AnalysisContext, Analyzer
from veracity.config import Settings
from veracity.evidence import AnalyzerResult, MediaInfo, MediaKind, Report, Status
from veracity.fusion import fuse
from veracity.media.probe import probe


@dataclass(frozen=True)
class Progress:
    """One step of an analysis, for progress bars and the server's job status."""

    path: str
    analyzer_id: str | None  # None for the probing step
    done: int
    total: int
    status: str  # "started" | "finished"


ProgressHook = Callable[[Progress], None]


def default_threads() -> int:
    """Analyzers of one file run in this many threads unless ``Settings.analyzer_threads`` says otherwise: the CPU
    count, at most 4. Their heavy work is numpy, OpenCV, Pillow and onnxruntime, which release the GIL."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class _Run:
    """One planned analyzer's run inside ``Scanner.check``."""

    position: int
    cls: type[Analyzer]
    future: Future[AnalyzerResult] | None = None
    started: float | None = None  # perf_counter when its thread picked it up
    thread: int | None = None
    announced: bool = False
    result: AnalyzerResult | None = None


def _start_order(runs: list[_Run], media: MediaInfo) -> list[_Run]:
    """Start order. For a video, analyzers that read nothing of the decoding pass come first, then those reading
    only its early products (the clip), then those waiting for the whole pass (frames, face tracks)
    (``_video_pass.wait_rank``): the threads work while the pass decodes instead of waiting for it. Within that,
    the costlier analyzers (``AnalyzerInfo.cost``) first, as in longest-first scheduling, so the file does not
    wait at the end for one long analyzer started last; and one analyzer of each family (``face``, ``learned``,
    ``audio``…) in turn, so the threads are not all taken by analyzers of one family waiting for the same shared
    work (e.g. a still image's face tracks)."""
    from veracity.analyzers._video_pass import wait_rank

    seen: dict[tuple[str, int], int] = {}
    keyed = []
    for run in runs:
        family = run.cls.info.id.split(".")[0]
        rank = wait_rank(run.cls.info.shares) if media.kind is MediaKind.VIDEO else 0
        keyed.append((rank, -run.cls.info.cost, seen.get((family, run.cls.info.cost), 0), run.position, run))
        seen[(family, run.cls.info.cost)] = seen.get((family, run.cls.info.cost), 0) + 1
    return [k[-1] for k in sorted(keyed, key=lambda k: k[:4])]


class _DecodeAhead:
    """A file's first shared work, started before its analyzers load (``Scanner._load_planned``), so decoding
    overlaps the loading a worker does for its first file, and a video's decoding overlaps the analyzers that
    read none of it: a video's decoding pass (frames, clip, face tracks: ``_video_pass.start_pass``, always), a
    picture's full-resolution decode (``ctx.image()``, while there is loading to overlap). Its values are the
    ones the analyzers would have made (a failed decode is kept for them, as when they ask first).
    ``seconds_before(t)``: how long it had run by ``t``, counted in the file's analysis time."""

    def __init__(self, ctx: AnalysisContext, *, loading: bool) -> None:
        self.started = time.perf_counter()
        self.finished: float | None = self.started
        if ctx.media.kind is MediaKind.VIDEO and ctx.expected:
            from veracity.analyzers._video_pass import start_pass

            self.finished = None  # the pass goes on alongside the analyzers
            start_pass(ctx)
        elif ctx.media.kind is MediaKind.IMAGE and loading:
            self.finished = None
            threading.Thread(target=self._decode, args=(ctx,), name="decode-ahead", daemon=True).start()

    def _decode(self, ctx: AnalysisContext) -> None:
        try:
            ctx.image()
        except Exception:  # noqa: BLE001, S110 - kept by the context for the analyzers that ask (or none asks)
            pass
        finally:
            self.finished = time.perf_counter()

    def seconds_before(self, until: float) -> float:
        finished = self.finished
        return max(0.0, min(until, finished if finished is not None else until) - self.started)


class Scanner:
    """Keeps loaded analyzers between files, so weights load once per batch.

    The analyzers of one file run concurrently in ``threads`` threads (one at a time with ``threads=1``); each has
    ``settings.analyzer_timeout_s`` from the moment it starts. A thread cannot be killed: an analyzer past its limit
    is reported as timed out, and the shared context refuses it any further shared work (``AnalysisCancelled`` at
    its next ``ctx.cached``/``ctx.checkpoint``), so it stops soon instead of decoding again; ``abandoned()`` lists
    the ones still winding down. Hard limits (memory, a wedged native call) belong to the per-file worker process.
    """

    def __init__(
        self, settings: Settings | None = None, analyzer_ids: Sequence[str] | None = None, *,
        threads: int | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.selected = tuple(analyzer_ids) if analyzer_ids else None
        self.threads = threads or self.settings.analyzer_threads or default_threads()
        self._classes = registry.for_profile(self.settings.profile, self.selected)
        self._loaded: dict[str, Analyzer] = {}
        self._loading: dict[str, threading.Lock] = {}  # one per analyzer id: a second thread waits for the first load
        self._guard = threading.Lock()
        self._abandoned: list[tuple[str, Future[AnalyzerResult]]] = []

    def plan(self, media: MediaInfo) -> list[type[Analyzer]]:
        return [cls for cls in self._classes if media.kind in cls.info.media_kinds]

    def skipped(self, media: MediaInfo) -> list[str]:
        """Analyzers for this kind of file that the profile leaves out as too slow (none when chosen by id)."""
        if self.selected is not None:
            return []
        chosen = set(self._classes)
        return [cls.info.id for cls in registry.available().values()
                if media.kind in cls.info.media_kinds and cls not in chosen]

    def abandoned(self) -> list[str]:
        """Ids of timed-out analyzers whose threads are still running (they stop at their next shared step)."""
        self._abandoned = [(i, f) for i, f in self._abandoned if not f.done()]
        return [i for i, _f in self._abandoned]

    def check(self, path: str | Path, progress: ProgressHook | None = None, *,
              robustness: bool | None = None) -> Report:
        """Analyze one file. Raises ``VeracityError`` only when the file itself can't be read.

        ``robustness`` (default: ``settings.robustness``) also analyses damaged copies of the file and says in
        ``report.robustness`` whether the verdict holds."""
        report = self._check(path, progress)
        if self.settings.robustness if robustness is None else robustness:
            from veracity.robustness import check_robustness

            notify = progress or (lambda _event: None)
            notify(Progress(str(path), "robustness", 0, 1, "started"))
            report = report.model_copy(update={"robustness": check_robustness(self, report)})
            notify(Progress(str(path), "robustness", 1, 1, "finished"))
        return report

    def _check(self, path: str | Path, progress: ProgressHook | None) -> Report:
        started = time.perf_counter()
        notify = progress or (lambda _event: None)
        media = probe(path, self.settings.limits)
        planned = self.plan(media)
        probed_s = time.perf_counter() - started
        shares = frozenset().union(*(cls.info.shares for cls in planned))
        ctx = AnalysisContext(media=media, settings=self.settings, expected=shares)
        try:
            ahead = _DecodeAhead(ctx, loading=self._needs_loading(planned))
            self._load_planned(planned)  # once per worker: not part of this file's analysis time...
            loaded = time.perf_counter()
            started = loaded - probed_s - ahead.seconds_before(loaded)  # ...but the decoding that overlapped it is
            results = self._run_all(str(path), planned, media, ctx, notify)
        finally:
            ctx.close()
        failure = ctx.decode_failure
        if failure is not None and not any(r.status is Status.OK for r in results):
            raise failure  # no analyzer could read the file: it is unreadable, not "inconclusive"
        return Report(
            tool_version=__version__,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            profile=self.settings.profile.value,
            media=media,
            results=tuple(results),
            verdict=fuse(results, media.kind, media=media, skipped=self.skipped(media)),
            seconds=round(time.perf_counter() - started, 4),
        )

    def _run_all(
        self, path: str, planned: list[type[Analyzer]], media: MediaInfo, ctx: AnalysisContext, notify: ProgressHook
    ) -> list[AnalyzerResult]:
        runs = [_Run(position, cls) for position, cls in enumerate(planned)]
        total, done = len(runs), 0
        limit = self.settings.analyzer_timeout_s
        pending = []
        for run in runs:
            missing = run.cls.info.missing(self.settings.model_dir)
            if missing is not None:
                info = run.cls.info
                run.result = AnalyzerResult(
                    analyzer_id=info.id, analyzer_version=info.version, status=Status.MISSING_DEPENDENCY,
                    reason=missing[0], hint=missing[1],
                )
                notify(Progress(path, info.id, done, total, "started"))
                done += 1
                notify(Progress(path, info.id, done, total, "finished"))
            else:
                pending.append(run)
        if not pending:
            return [run.result for run in runs if run.result is not None]
        executor = ThreadPoolExecutor(max_workers=min(self.threads, len(pending)), thread_name_prefix="analyzer")
        try:
            for run in _start_order(pending, media):
                run.future = executor.submit(self._task, run, media, ctx)
            while pending:
                now = time.perf_counter()
                for run in pending:
                    if run.started is not None and not run.announced:
                        run.announced = True
                        notify(Progress(path, run.cls.info.id, done, total, "started"))
                deadlines = [run.started + limit - now for run in pending if run.started is not None]
                wait_s = min([0.05, *deadlines]) if len(deadlines) < len(pending) else min(deadlines)
                futures = [run.future for run in pending if run.future is not None]
                finished, _running = wait(futures, timeout=max(wait_s, 0.0), return_when=FIRST_COMPLETED)
                now = time.perf_counter()
                still = []
                for run in pending:
                    assert run.future is not None
                    if run.future in finished:
                        run.result = self._finish(run, now)
                    elif run.started is not None and now - run.started >= limit:
                        run.result = self._give_up(run, ctx, now)
                    else:
                        still.append(run)
                        continue
                    if not run.announced:
                        run.announced = True
                        notify(Progress(path, run.cls.info.id, done, total, "started"))
                    done += 1
                    notify(Progress(path, run.cls.info.id, done, total, "finished"))
                pending = still
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
        return [run.result for run in runs if run.result is not None]

    def _task(self, run: _Run, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        run.thread = threading.get_ident()
        ctx.resume_thread(run.thread)  # the thread may have served an analyzer given up on earlier
        run.started = time.perf_counter()
        return self._load_and_analyze(run.cls, media, ctx)

    def _finish(self, run: _Run, now: float) -> AnalyzerResult:
        info = run.cls.info
        seconds = round(now - (run.started or now), 4)
        assert run.future is not None
        try:
            result = run.future.result()
        except Exception as exc:  # noqa: BLE001 - a failing analyzer is reported, never fatal
            reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            return AnalyzerResult(analyzer_id=info.id, analyzer_version=info.version, status=Status.ERROR,
                                  reason=reason, seconds=seconds)
        return result.model_copy(update={"seconds": seconds})

    def _give_up(self, run: _Run, ctx: AnalysisContext, now: float) -> AnalyzerResult:
        info = run.cls.info
        if run.thread is not None:
            ctx.cancel_thread(run.thread)
        assert run.future is not None
        self._abandoned.append((info.id, run.future))
        return AnalyzerResult(
            analyzer_id=info.id, analyzer_version=info.version, status=Status.TIMEOUT,
            reason=f"stopped after the {self.settings.analyzer_timeout_s:.0f} s time limit",
            seconds=round(now - (run.started or now), 4),
        )

    def _load_and_analyze(self, cls: type[Analyzer], media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        return self._analyzer(cls).analyze(media, ctx)

    def _analyzer(self, cls: type[Analyzer]) -> Analyzer:
        """This scanner's loaded ``cls``, loaded on first use (a thread asking while another loads it waits)."""
        with self._guard:
            lock = self._loading.setdefault(cls.info.id, threading.Lock())
        with lock:
            analyzer = self._loaded.get(cls.info.id)
            if analyzer is None:
                analyzer = cls()
                analyzer.load()
                self._loaded[cls.info.id] = analyzer
            return analyzer

    def _needs_loading(self, planned: list[type[Analyzer]]) -> bool:
        return any(cls.info.id not in self._loaded for cls in planned)

    def _load_planned(self, planned: list[type[Analyzer]]) -> None:
        """Load the planned analyzers not loaded yet (weights, model sessions, detector graphs), concurrently, before
        a file's clock starts: loading is a cost of the worker, paid once (``scan``, ``bench`` and ``serve`` keep
        their scanners between files), not of the file. A load that fails is tried again, and its error reported, by
        the analyzer's own run; one still going after ``analyzer_timeout_s`` is left to that run, which waits for it
        under its own time limit."""
        todo = [cls for cls in planned
                if cls.info.id not in self._loaded and cls.info.missing(self.settings.model_dir) is None]
        if not todo:
            return
        executor = ThreadPoolExecutor(max_workers=min(self.threads, len(todo)), thread_name_prefix="analyzer-load")
        try:
            wait([executor.submit(self._analyzer, cls) for cls in todo], timeout=self.settings.analyzer_timeout_s)
        finally:
            executor.shutdown(wait=False)


def check(
    path: str | Path,
    *,
    settings: Settings | None = None,
    analyzers: Sequence[str] | None = None,
    progress: ProgressHook | None = None,
    robustness: bool | None = None,
) -> Report:
    """Analyze one file and return its report: ``veracity.check("clip.mp4").verdict``; ``robustness=True`` also
    checks whether the verdict survives the damage a platform does to a re-uploaded copy."""
    return Scanner(settings, analyzers).check(path, progress, robustness=robustness)
