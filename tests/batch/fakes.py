"""Analyzers for tests only, loaded by reference (``tests.batch.fakes:SleepyAnalyzer``) in worker processes."""

from __future__ import annotations

import time
from pathlib import Path

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, MediaInfo, MediaKind


class SleepyAnalyzer(Analyzer):
    """Hangs (like a stuck decoder) on files whose name starts with ``sleep``; abstains on the others."""

    info = AnalyzerInfo(id="test.sleepy", version="1", title="Sleepy", summary="hangs on sleep* files",
                        media_kinds=frozenset(MediaKind))

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        if Path(media.path).name.startswith("sleep"):
            time.sleep(3600)
        return self.abstain("nothing to see")


class StuckAnalyzer(Analyzer):
    """Hangs on every file (a job that can only end by its time limit)."""

    info = AnalyzerInfo(id="test.stuck", version="1", title="Stuck", summary="hangs on every file",
                        media_kinds=frozenset(MediaKind))

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        time.sleep(3600)
        return self.abstain("never reached")
