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
