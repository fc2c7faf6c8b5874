"""What a bench worker process does with one file: launder it if asked, analyse it, return plain data.

The ``Scanner`` lives for the life of the worker process, so analyzers load their weights once.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.bench.metrics import peak_rss_mb, reset_peak_rss

_scanners: dict[tuple[str, tuple[str, ...] | None], Any] = {}


@dataclass(frozen=True)
class Job:
    path: str
    profile: str = "default"
    analyzer_ids: tuple[str, ...] | None = None
    launder: bool = False
    launder_cache: str | None = None


def _scanner(profile: str, analyzer_ids: tuple[str, ...] | None) -> Any:
    from veracity.config import Profile, Settings
    from veracity.scanner import Scanner

    key = (profile, analyzer_ids)
    if key not in _scanners:
        _scanners[key] = Scanner(Settings(profile=Profile(profile)), analyzer_ids)
    return _scanners[key]


def _reason(exc: BaseException, path: str) -> str:
    from veracity.errors import VeracityError

    text = str(exc).strip()
    for prefix in (f"{path}: ", f"{Path(path).name}: "):
        text = text.removeprefix(prefix)
    if isinstance(exc, VeracityError):
        return text
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "veracity" in f.filename]
    where = f"{ours[-1].filename.split('/src/')[-1]}:{ours[-1].lineno}" if ours else None
    return f"unexpected {type(exc).__name__}: {text}" + (f" (at {where})" if where else "")


def blank_item(error: str | None = None) -> dict[str, Any]:
    """The fields the bench records about a file, before analysis."""
    return {
        "p_synthetic": None, "verdict": None, "verdict_method": None, "media_kind": None, "container": None,
        "seconds": None, "media_seconds": None, "launder_seconds": None,
        "error": error, "analyzers": {}, "analyzer_problems": {}, "peak_rss_mb": None,
    }


def analyse(job: Job) -> dict[str, Any]:
    """Everything the bench records about one file; failures come back in ``error``, never raised."""
    reset_peak_rss()
    item = blank_item()
    path = job.path
    try:
        if job.launder:
            from veracity.bench.launder import launder

            started = time.perf_counter()
            path = str(launder(job.path, job.launder_cache))
            item["launder_seconds"] = round(time.perf_counter() - started, 4)
    except Exception as exc:  # noqa: BLE001 - a file that can't be laundered is a per-file error
        item["error"] = f"launder failed: {_reason(exc, job.path)}"
        item["peak_rss_mb"] = round(peak_rss_mb(), 1)
        return item
    try:
        report = _scanner(job.profile, job.analyzer_ids).check(path)
    except Exception as exc:  # noqa: BLE001 - one file never stops the bench
        item["error"] = _reason(exc, path)
    else:
        item.update(
            p_synthetic=report.verdict.p_synthetic,
            verdict=report.verdict.label.value,
            verdict_method=report.verdict.method,
            media_kind=report.media.kind.value,
            container=report.media.container,
            seconds=report.seconds,
            media_seconds=report.media.duration_s if report.media.kind.value != "image" else None,
            analyzers={r.analyzer_id: r.p_synthetic for r in report.results if r.p_synthetic is not None
                       and r.status.value == "ok"},
            analyzer_problems={r.analyzer_id: f"{r.status.value}: {r.reason}" for r in report.results
                               if r.status.value in ("error", "timeout", "missing_dependency")},
        )
    item["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return item
