"""One analysis, run in an isolated engine worker: fetch (for links), probe, analyze, write the job folder.

The folder then holds ``report.json`` (artifact paths rewritten to API URLs), ``report.html`` (self-contained),
``artifacts/``, ``preview.jpg`` / ``frames/*.jpg`` (the picture under a heatmap, for the overlay toggle) and
``waveform.json`` (for the audio strip); ``run`` returns the outcome the parent closes the job with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.config import Settings

PREVIEW_SIDE_PX = 1024
WAVEFORM_BINS = 600
MAX_FRAME_PREVIEWS = 12


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    attempt: int
    input_path: str
    job_dir: str
    name: str
    url: str | None
    db_path: str
    settings_json: str
    analyzers: tuple[str, ...] | None
    url_max_bytes: int
    url_timeout_s: float
    allow_private_urls: bool


def run(spec: JobSpec) -> dict[str, Any]:
    """What a worker runs for a job; never raises: the outcome says how it ended (a worker that dies with the
    server takes its job with it, and the restarted server runs it again)."""
    import os

    os.umask(0o077)  # the job folder's files are the server user's alone (the worker may predate the server's umask)
    try:
        return _analyse(spec, Path(spec.job_dir))
    except Exception as exc:  # noqa: BLE001 - every failure becomes an explicit reason
        return _failure(exc)


def check_upload(path: str, settings_json: str) -> tuple[int, str, str] | None:
    """The upload-time media check, run in an isolated worker (time and memory limits, killable): None when the
    file is media within the limits, else (HTTP status, error code, reason). Never raises."""
    from veracity.errors import MediaTooLarge, VeracityError
    from veracity.media.probe import probe

    try:
        probe(path, Settings.from_json(settings_json).limits)
    except MediaTooLarge as exc:
        return 413, "media_too_large", str(exc)
    except VeracityError as exc:
        return 415, "unsupported_media", str(exc)
    except MemoryError:
        return 413, "media_too_large", "the file needs more memory than the limit to read"
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file provokes is "not media we can read"
        return 415, "unsupported_media", f"the file could not be read as media ({type(exc).__name__})"
    return None


def _failure(exc: Exception) -> dict[str, Any]:
    from veracity.errors import InputNotFound, MediaTooLarge, UnsupportedMedia
    from veracity.server.intake import IntakeError

    if isinstance(exc, IntakeError):
        return {"status": "failed", "code": exc.code, "message": str(exc)}
    codes = {UnsupportedMedia: "unsupported_media", MediaTooLarge: "media_too_large", InputNotFound: "input_missing"}
    for kind, code in codes.items():
        if isinstance(exc, kind):
            message = str(exc)
            # The upload's random name means nothing to the person; keep the reason after it.
            head, sep, tail = message.partition(": ")
            return {"status": "failed", "code": code, "message": tail if sep and "/" in head else message}
    return {"status": "failed", "code": "analysis_error", "message": f"{type(exc).__name__}: {exc}"}


def _analyse(spec: JobSpec, job_dir: Path) -> dict[str, Any]:
    from veracity.server.store import connect

    db = connect(Path(spec.db_path))
    try:
        return _analyse_with(spec, job_dir, db)
    finally:
        db.close()


def _analyse_with(spec: JobSpec, job_dir: Path, db: Any) -> dict[str, Any]:
    from veracity.engine.task import scanner as cached_scanner
    from veracity.media.probe import probe
    from veracity.scanner import Progress
    from veracity.server.store import write_progress

    progress: dict[str, Any] = {"stage": "starting", "done": 0, "total": 0, "analyzers": {}}

    def publish(**changes: Any) -> None:
        progress.update(changes)
        try:
            write_progress(db, spec.job_id, spec.attempt, progress)
        except Exception:  # noqa: BLE001,S110 - progress is best effort; the result is what matters
            pass

    settings = Settings.from_json(spec.settings_json)
    source = Path(spec.input_path)
    if spec.url and not source.exists():
        from veracity.server.intake import IntakeLimits, download

        publish(stage="downloading")
        download(spec.url, source, IntakeLimits(spec.url_max_bytes, spec.url_timeout_s, spec.allow_private_urls))
    publish(stage="probing")
    media = probe(source, settings.limits)
    scanner = cached_scanner(spec.settings_json, spec.analyzers)
    planned = [cls.info.id for cls in scanner.plan(media)]
    publish(stage="analysing", total=len(planned), analyzers=dict.fromkeys(planned, "pending"),
            media_kind=media.kind.value)

    def on_progress(event: Progress) -> None:
        if event.analyzer_id is None:
            return
        states = dict(progress["analyzers"])
        states[event.analyzer_id] = "running" if event.status == "started" else "done"
        publish(analyzers=states, done=event.done, total=event.total)

    report = scanner.check(source, progress=on_progress)
    publish(stage="writing report")
    report = _finish_report(report, spec, job_dir)
    _write_previews(report, source, job_dir, settings)
    publish(stage="done")
    return {
        "status": "done",
        "label": report.verdict.label.value,
        "p_synthetic": report.verdict.p_synthetic,
        "media_kind": report.media.kind.value,
    }


def _finish_report(report: Any, spec: JobSpec, job_dir: Path) -> Any:
    from veracity.report import write_artifacts
    from veracity.report.html import render_html

    report = report.model_copy(update={"media": report.media.model_copy(update={"path": spec.name})})
    report = write_artifacts(report, job_dir / "artifacts")
    results = []
    for result in report.results:
        artifacts = tuple(
            a.model_copy(update={"path": f"/v1/analyses/{spec.job_id}/artifacts/{a.sha256}"}) for a in result.artifacts
        )
        results.append(result.model_copy(update={"artifacts": artifacts}))
    report = report.model_copy(update={"results": tuple(results)})
    _write_atomic(job_dir / "report.html", render_html([report], title=f"Veracity report: {spec.name}"))
    _write_atomic(job_dir / "report.json", report.model_dump_json(indent=2))
    return report


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _write_previews(report: Any, source: Path, job_dir: Path, settings: Settings) -> None:
    """Best effort: a missing preview only hides the overlay toggle or the audio strip."""
    from veracity.evidence import MediaKind

    media = report.media.model_copy(update={"path": str(source)})
    try:
        if media.kind is MediaKind.IMAGE:
            from veracity.media.image import downscale, load_rgb

            _save_jpeg(downscale(load_rgb(source), PREVIEW_SIDE_PX), job_dir / "preview.jpg")
        elif media.kind is MediaKind.VIDEO:
            wanted = sorted({
                f.locus.frame_idx for f in report.findings
                if f.locus is not None and f.locus.frame_idx is not None and f.locus.artifact
            })[:MAX_FRAME_PREVIEWS]
            if wanted:
                _save_frames(media, set(wanted), job_dir / "frames", settings)
    except Exception:  # noqa: BLE001,S110
        pass
    if media.kind is MediaKind.AUDIO or media.has_audio:
        try:
            _save_waveform(source, job_dir / "waveform.json", settings)
        except Exception:  # noqa: BLE001,S110
            pass


def _save_jpeg(rgb: Any, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, format="JPEG", quality=85)


def _save_frames(media: Any, wanted: set[int], folder: Path, settings: Settings) -> None:
    from veracity.media.video import iter_frames

    plan = settings.sampling
    for frame in iter_frames(media, plan):
        if frame.index in wanted:
            _save_jpeg(frame.rgb, folder / f"{frame.index}.jpg")
            wanted.discard(frame.index)
        if not wanted:
            break


def _save_waveform(source: Path, path: Path, settings: Settings) -> None:
    import numpy as np

    from veracity.media.audio import load_mono

    rate_hz = 8000
    samples = load_mono(source, rate_hz, max_seconds=settings.limits.max_duration_s)
    if samples.size == 0:
        return
    bins = np.array_split(samples, min(WAVEFORM_BINS, samples.size))  # views: no |samples| copy of a long clip
    peaks = [round(max(float(b.max()), -float(b.min())), 3) if b.size else 0.0 for b in bins]
    _write_atomic(path, json.dumps({"duration_s": round(samples.size / rate_hz, 3), "peaks": peaks}))
