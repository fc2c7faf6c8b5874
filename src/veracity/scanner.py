"""Plan the analyzers for a file, run each isolated with a time limit, fuse their results into a report."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from veracity import __version__
from veracity.analyzers import registry
from veracity.analyzers.base import AnalysisContext, Analyzer
from veracity.config import PROFILE_MAX_COST, Settings
from veracity.evidence import AnalyzerResult, MediaInfo, Report, Status
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


class Scanner:
    """Keeps loaded analyzers between files, so weights load once per batch."""

    def __init__(self, settings: Settings | None = None, analyzer_ids: Sequence[str] | None = None) -> None:
        self.settings = settings or Settings()
        self.selected = tuple(analyzer_ids) if analyzer_ids else None
        self._classes = (
            [registry.get(i) for i in self.selected] if self.selected else list(registry.available().values())
        )
        self._loaded: dict[str, Analyzer] = {}

    def plan(self, media: MediaInfo) -> list[type[Analyzer]]:
        max_cost = PROFILE_MAX_COST[self.settings.profile]
        return [
            cls
            for cls in self._classes
            if media.kind in cls.info.media_kinds and (self.selected is not None or cls.info.cost <= max_cost)
        ]

    def skipped(self, media: MediaInfo) -> list[str]:
        """Analyzers for this kind of file that the profile leaves out as too slow (none when chosen by id)."""
        if self.selected is not None:
            return []
        max_cost = PROFILE_MAX_COST[self.settings.profile]
        return [cls.info.id for cls in self._classes if media.kind in cls.info.media_kinds and cls.info.cost > max_cost]

    def check(self, path: str | Path, progress: ProgressHook | None = None) -> Report:
        """Analyze one file. Raises ``VeracityError`` only when the file itself can't be read."""
        started = time.perf_counter()
        notify = progress or (lambda _event: None)
        media = probe(path, self.settings.limits)
        ctx = AnalysisContext(media=media, settings=self.settings)
        planned = self.plan(media)
        results: list[AnalyzerResult] = []
        for done, cls in enumerate(planned):
            notify(Progress(str(path), cls.info.id, done, len(planned), "started"))
            results.append(self._run_one(cls, media, ctx))
            notify(Progress(str(path), cls.info.id, done + 1, len(planned), "finished"))
        return Report(
            tool_version=__version__,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            profile=self.settings.profile.value,
            media=media,
            results=tuple(results),
            verdict=fuse(results, media.kind, media=media, skipped=self.skipped(media)),
            seconds=round(time.perf_counter() - started, 4),
        )

    def _run_one(self, cls: type[Analyzer], media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        info = cls.info
        missing = info.missing_modules()
        if missing:
            return AnalyzerResult(
                analyzer_id=info.id,
                analyzer_version=info.version,
                status=Status.MISSING_DEPENDENCY,
                reason=f"needs {', '.join(missing)}, which is not installed",
                hint=info.install_hint(),
            )
        started = time.perf_counter()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"analyzer-{info.id}")
        future = executor.submit(self._load_and_analyze, cls, media, ctx)
        try:
            result = future.result(timeout=self.settings.analyzer_timeout_s)
            status, reason = result.status, result.reason
        except FutureTimeout:
            result, status = None, Status.TIMEOUT
            reason = f"stopped after the {self.settings.analyzer_timeout_s:.0f} s time limit"
        except Exception as exc:  # noqa: BLE001 - a failing analyzer is reported, never fatal
            result, status = None, Status.ERROR
            reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
        seconds = round(time.perf_counter() - started, 4)
        if result is None:
            return AnalyzerResult(
                analyzer_id=info.id, analyzer_version=info.version, status=status, reason=reason, seconds=seconds
            )
        return result.model_copy(update={"seconds": seconds})

    def _load_and_analyze(self, cls: type[Analyzer], media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        analyzer = self._loaded.get(cls.info.id)
        if analyzer is None:
            analyzer = cls()
            analyzer.load()
            self._loaded[cls.info.id] = analyzer
        return analyzer.analyze(media, ctx)


def check(
    path: str | Path,
    *,
    settings: Settings | None = None,
    analyzers: Sequence[str] | None = None,
    progress: ProgressHook | None = None,
) -> Report:
    """Analyze one file and return its report: ``veracity.check("clip.mp4").verdict``."""
    return Scanner(settings, analyzers).check(path, progress)
