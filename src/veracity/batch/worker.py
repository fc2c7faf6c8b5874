"""What runs in a worker process (local pool or Ray task): analyze one file, fingerprint it, return plain data.

Each process keeps one ``Scanner`` per settings, so analyzers load their weights once per worker.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from veracity.config import Settings

_SCANNERS: dict[tuple[str, tuple[str, ...] | None], object] = {}


@dataclass(frozen=True)
class Job:
    path: str
    sha256: str
    settings_json: str
    analyzer_ids: tuple[str, ...] | None = None
    analyze: bool = True  # False: only fingerprint (the result is already stored)
    fingerprint: bool = True


@dataclass(frozen=True)
class Outcome:
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
    fingerprint: bytes | None = None  # Fingerprint.to_bytes()
    fingerprint_meta: dict[str, object] | None = None
    fingerprint_error: str | None = None


def _scanner(job: Job):  # type: ignore[no-untyped-def]
    from veracity.scanner import Scanner

    key = (job.settings_json, job.analyzer_ids)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        scanner = _SCANNERS[key] = Scanner(Settings.model_validate_json(job.settings_json), job.analyzer_ids)
    return scanner


def run_job(job: Job) -> Outcome:
    """Never raises for a bad file: the reason comes back in the outcome."""
    from veracity.errors import VeracityError
    from veracity.index.fingerprint import fingerprint_file

    started = time.perf_counter()
    report = None
    media = None
    fields: dict[str, object] = {}
    if job.analyze:
        try:
            report = _scanner(job).check(job.path)
        except VeracityError as exc:
            return Outcome(job.path, job.sha256, ok=False, reason=str(exc), seconds=time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop a batch
            where = traceback.extract_tb(exc.__traceback__)[-1]
            reason = f"unexpected {type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"
            return Outcome(job.path, job.sha256, ok=False, reason=reason, seconds=time.perf_counter() - started)
        media = report.media
        fields = {"report_json": report.model_dump_json(), "kind": report.media.kind.value,
                  "label": report.verdict.label.value, "p_synthetic": report.verdict.p_synthetic}
    blob = meta = error = None
    if job.fingerprint:
        try:
            settings = Settings.model_validate_json(job.settings_json)
            fp = fingerprint_file(job.path, limits=settings.limits, media=media)
            blob = fp.to_bytes()
            meta = {"kind": fp.kind.value, "duration_s": fp.duration_s, "media_time": fp.media_time,
                    "media_time_source": fp.media_time_source}
        except VeracityError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the analysis result stands even when fingerprinting fails
            error = f"unexpected {type(exc).__name__}: {exc}"
    return Outcome(job.path, job.sha256, ok=True, analyzed=job.analyze, seconds=round(time.perf_counter() - started, 4),
                   fingerprint=blob, fingerprint_meta=meta, fingerprint_error=error, **fields)  # type: ignore[arg-type]
