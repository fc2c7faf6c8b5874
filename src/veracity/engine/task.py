"""The one function worker processes run for a file (``check`` batches, ``scan``, ``bench``, Ray tasks):
launder it if asked, analyse it, fingerprint it if asked, and return plain data. The server's job function
uses the same Scanner cache.

Each process keeps one ``Scanner`` per (settings, analyzer ids), so analyzers load their weights once per worker.
"""

from __future__ import annotations

import resource
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.config import Settings

_SCANNERS: dict[tuple[str, tuple[str, ...] | None], Any] = {}


@dataclass(frozen=True)
class Task:
    path: str
    settings_json: str  # Settings.to_json(): the one way settings travel to workers
    analyzer_ids: tuple[str, ...] | None = None
    sha256: str = ""
    analyze: bool = True  # False: only fingerprint (the result is already stored)
    fingerprint: bool = False
    launder: bool = False  # bench: analyse the laundered copy instead
    launder_recipe: str = "platform"  # veracity.media.damage recipe: "platform" or "neutral"
    launder_cache: str | None = None
    progress: bool = False  # send the scanner's Progress events to the caller (engine.isolation.send_progress)
    artifacts_dir: str | None = None  # write evidence pictures here (the JSON report keeps only their paths)


@dataclass(frozen=True)
class TaskResult:
    path: str
    sha256: str
    ok: bool
    analyzed: bool = False
    report_json: str | None = None
    kind: str | None = None
    label: str | None = None
    p_synthetic: float | None = None
    seconds: float = 0.0
    reason: str | None = None
    launder_seconds: float | None = None
    peak_rss_mb: float | None = None
    fingerprint: bytes | None = None  # Fingerprint.to_bytes()
    fingerprint_meta: dict[str, object] | None = None
    fingerprint_error: str | None = None


def scanner(settings_json: str, analyzer_ids: tuple[str, ...] | None = None) -> Any:
    """This process's Scanner for these settings (created on first use, kept for the life of the worker)."""
    from veracity.scanner import Scanner

    key = (settings_json, analyzer_ids)
    found = _SCANNERS.get(key)
    if found is None:
        found = _SCANNERS[key] = Scanner(Settings.from_json(settings_json), analyzer_ids)
    return found


def reason(exc: BaseException, path: str) -> str:
    """A one-line reason for a failed file (without its path): Veracity's own errors as they are, others with
    where they came from."""
    from veracity.errors import VeracityError

    text = str(exc).strip()
    for prefix in (f"{path}: ", f"{Path(path).name}: "):
        text = text.removeprefix(prefix)
    if isinstance(exc, VeracityError):
        return text
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "veracity" in f.filename]
    where = f" (at {frames[-1].filename.split('/src/')[-1]}:{frames[-1].lineno})" if frames else ""
    return f"unexpected {type(exc).__name__}: {text}{where}"


def memory_reason(limit_bytes: int | None) -> str:
    """The one wording of "this file needs more memory than a worker may use"."""
    from veracity.engine.isolation import mib

    limit = f"the {mib(limit_bytes)} limit per worker" if limit_bytes else "the memory available"
    return f"needs more memory than {limit}"


def run_task(task: Task) -> TaskResult:
    """Never raises for a bad file: the reason comes back in the result."""
    from veracity.errors import VeracityError

    _reset_peak_rss()
    started = time.perf_counter()
    path = task.path
    fields: dict[str, Any] = {}
    if task.launder:
        try:
            from veracity.media.damage import launder

            path = str(launder(task.path, task.launder_cache, recipe=task.launder_recipe))  # type: ignore[arg-type]
            fields["launder_seconds"] = round(time.perf_counter() - started, 4)
        except Exception as exc:  # noqa: BLE001 - a file that can't be laundered is a per-file error
            return _failed(task, f"launder failed: {reason(exc, task.path)}", started)
    report = None
    if task.analyze:
        try:
            hook: Callable[[Any], None] | None = None
            if task.progress:
                from veracity.engine.isolation import send_progress

                hook = send_progress
            report = scanner(task.settings_json, task.analyzer_ids).check(path, hook)  # robustness: in the settings
        except MemoryError:
            return _failed(task, memory_reason(Settings.from_json(task.settings_json).worker_memory_bytes), started)
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop a batch
            return _failed(task, reason(exc, path), started)
        if task.artifacts_dir is not None:
            from veracity.report import write_artifacts

            report = write_artifacts(report, Path(task.artifacts_dir))
        fields.update(analyzed=True, report_json=report.model_dump_json(), kind=report.media.kind.value,
                      label=report.verdict.label.value, p_synthetic=report.verdict.p_synthetic)
    if task.fingerprint:
        try:
            from veracity.index.fingerprint import fingerprint_file

            limits = Settings.from_json(task.settings_json).limits
            fp = fingerprint_file(task.path, limits=limits, media=report.media if report else None)
            fields.update(fingerprint=fp.to_bytes(), fingerprint_meta={
                "kind": fp.kind.value, "duration_s": fp.duration_s, "media_time": fp.media_time,
                "media_time_source": fp.media_time_source})
        except VeracityError as exc:
            fields["fingerprint_error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - the analysis result stands even when fingerprinting fails
            fields["fingerprint_error"] = f"unexpected {type(exc).__name__}: {exc}"
    return TaskResult(task.path, task.sha256, ok=True, seconds=round(time.perf_counter() - started, 4),
                      peak_rss_mb=peak_rss_mb(), **fields)


def _failed(task: Task, why: str, started: float) -> TaskResult:
    return TaskResult(task.path, task.sha256, ok=False, reason=why, seconds=round(time.perf_counter() - started, 4),
                      peak_rss_mb=peak_rss_mb())


def peak_rss_mb() -> float:
    """Peak resident memory of this process since the last reset, in MiB (Linux ``VmHWM``; else ``ru_maxrss``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0), 1)  # bytes on macOS, KiB on Linux


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM, so each task reports its own peak
    except OSError:
        pass
