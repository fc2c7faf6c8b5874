"""The /v1 API: submit an analysis (upload or link), follow it, read its report and pictures, delete it."""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
import unicodedata
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import UploadFile

from veracity.server.errors import ApiError
from veracity.server.models import (
    Analysis,
    AnalysisPage,
    AnalyzerEntry,
    Created,
    ErrorBody,
    ErrorDetail,
    Links,
    UrlRequest,
    VerdictSummary,
)
from veracity.server.pool import remove_job
from veracity.server.state import ServerState
from veracity.server.store import DONE, QUEUED, Job, new_job_id

_ID = re.compile(r"^[0-9a-f]{32}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MULTIPART_SLACK_BYTES = 64 * 1024
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 404, 413, 415, 422, 429)
}
_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def _file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """For routes that answer with a file: its media types, and JSON errors (documented as such)."""
    return {
        200: {"content": {m: {"schema": {"type": "string"}} for m in media_types}, "description": "the file"},
        404: {"content": _ERROR_JSON, "description": "no such analysis, or not ready"},
        422: {"content": _ERROR_JSON, "description": "invalid request"},
    }
_bearer = HTTPBearer(auto_error=False, description="needed when the server sets VERACITY_API_TOKEN")


def state(request: Request) -> ServerState:
    return request.app.state.veracity  # type: ignore[no-any-return]


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    token = state(request).config.api_token
    if not token:
        return
    given = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(401, "unauthorized", "a valid bearer token is needed (Authorization: Bearer ...)",
                       headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], responses={401: {"model": ErrorBody}})

_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {"schema": UrlRequest.model_json_schema()},
        },
    }
}


@router.post(
    "/analyses", status_code=202, response_model=Created, responses=_ERRORS, openapi_extra=_SUBMIT_BODY,
    summary="Analyse an uploaded file (multipart field 'file') or a link (JSON {\"url\": ...})",
)
async def submit(request: Request) -> Response:
    server = state(request)
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        job = await _accept_upload(request, server)
    elif content_type.startswith("application/json"):
        job = await _accept_url(request, server)
    else:
        raise ApiError(415, "unsupported_content_type",
                       "send the file as multipart/form-data (field 'file') or a link as JSON {\"url\": ...}")
    try:
        added = server.store.add_if_room(job, server.config.queue_max)
    except BaseException:
        Path(job.input_path).unlink(missing_ok=True)
        raise
    if not added:
        Path(job.input_path).unlink(missing_ok=True)
        raise ApiError(429, "queue_full", f"{server.config.queue_max} analyses are already waiting; try again later",
                       headers={"Retry-After": "30"})
    server.pool.notify()
    location = f"/v1/analyses/{job.id}"
    body = Created(id=job.id, status="queued", location=location).model_dump()
    return Response(json.dumps(body), status_code=202, media_type="application/json", headers={"Location": location})


def _new_upload_path(server: ServerState) -> Path:
    return server.config.data_dir / "uploads" / secrets.token_hex(16)


def _display_name(raw: str | None) -> str:
    name = (raw or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "upload"


async def _accept_upload(request: Request, server: ServerState) -> Job:
    limit = server.config.max_upload_bytes
    too_large = ApiError(413, "upload_too_large", f"the upload is over the limit of {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _MULTIPART_SLACK_BYTES:
        raise too_large
    received = 0
    receive = request.receive

    async def limited_receive() -> Any:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit + _MULTIPART_SLACK_BYTES:
                raise too_large
        return message

    try:
        form = await Request(request.scope, limited_receive).form(max_files=1, max_fields=8)
    except ApiError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed multipart bodies
        raise ApiError(400, "bad_request", f"the multipart body could not be read ({exc})") from exc
    target = _new_upload_path(server)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "invalid_request", "the multipart field 'file' with the media file is missing")
        size = await run_in_threadpool(_copy_limited, upload, target, limit)
        if size is None:
            raise too_large
        if size == 0:
            raise ApiError(400, "empty_file", "the uploaded file is empty")
        name = _display_name(upload.filename)
        refused = await run_in_threadpool(server.pool.check_upload, target)
        if refused is not None:
            status, code, reason = refused
            raise ApiError(status, code, reason.replace(str(target), name))
    except BaseException:
        target.unlink(missing_ok=True)  # whatever went wrong (a disconnect included), no upload is left behind
        raise
    finally:
        await form.close()
    return Job(id=new_job_id(), status=QUEUED, source="upload", name=name, url=None,
               input_path=str(target), created_at=time.time())


def _copy_limited(upload: UploadFile, target: Path, limit: int) -> int | None:
    """Copy to ``target``; None (and nothing kept) when the file is over ``limit`` bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    upload.file.seek(0)
    with target.open("wb") as out:
        for block in iter(lambda: upload.file.read(1 << 20), b""):
            size += len(block)
            if size > limit:
                break
            out.write(block)
    if size > limit:
        target.unlink(missing_ok=True)
        return None
    return size


async def _accept_url(request: Request, server: ServerState) -> Job:
    from veracity.server.intake import IntakeError, check_host, check_url

    if not server.config.url_intake:
        raise ApiError(403, "url_intake_disabled", "this server does not fetch links; upload the file instead")
    body = await _read_small_body(request, LINK_BODY_MAX_BYTES)
    try:
        url = UrlRequest.model_validate_json(body).url
        url = check_url(url)
        await run_in_threadpool(check_host, url, server.config.allow_private_urls)
    except IntakeError as exc:
        raise ApiError(400, exc.code, str(exc)) from exc
    except ValueError as exc:
        raise ApiError(422, "invalid_request", "send JSON {\"url\": \"https://...\"}") from exc
    return Job(id=new_job_id(), status=QUEUED, source="url", name=url[:200],
               url=url, input_path=str(_new_upload_path(server)), created_at=time.time())


LINK_BODY_MAX_BYTES = 16 * 1024


async def _read_small_body(request: Request, limit: int) -> bytes:
    """The request body, counted while it is read: past ``limit`` bytes reading stops with 413 (a declared
    Content-Length over it is refused before anything is read)."""
    too_large = ApiError(413, "request_too_large", f"the JSON body is over {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _job_or_404(server: ServerState, job_id: str) -> Job:
    job = server.store.get(job_id) if _ID.match(job_id) else None
    if job is None:
        raise ApiError(404, "not_found", "no analysis with this id (it may have been deleted)")
    return job


def _describe(server: ServerState, job: Job, *, full: bool) -> Analysis:
    base = f"/v1/analyses/{job.id}"
    job_dir = server.pool.job_dir(job.id)
    links = Links(self=base)
    report = waveform = None
    if job.status == DONE:
        links.report_html, links.report_json = f"{base}/report.html", f"{base}/report.json"
        if full:
            if (job_dir / "preview.jpg").exists():
                links.preview = f"{base}/preview"
            frames = job_dir / "frames"
            if frames.is_dir():
                links.frames = {p.stem: f"{base}/frames/{p.stem}" for p in sorted(frames.glob("*.jpg"))}
            report = _read_json(job_dir / "report.json")
            waveform = _read_json(job_dir / "waveform.json")
    return Analysis(
        id=job.id, status=job.status, source=job.source, name=job.name, created_at=job.created_at,  # type: ignore[arg-type]
        started_at=job.started_at, finished_at=job.finished_at, attempts=job.attempts, progress=job.progress,
        error=ErrorDetail(code=job.error_code or "failed", message=job.error or "") if job.status == "failed" else None,
        verdict=VerdictSummary(label=job.label, p_synthetic=job.p_synthetic)
        if job.label is not None and job.p_synthetic is not None else None,
        media_kind=job.media_kind, links=links, waveform=waveform, report=report,
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@router.get("/analyses", response_model=AnalysisPage, summary="Past and current analyses, newest first")
def list_analyses(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> AnalysisPage:
    server = state(request)
    jobs, total = server.store.page(limit, offset)
    return AnalysisPage(items=[_describe(server, j, full=False) for j in jobs], total=total, limit=limit,
                        offset=offset)


@router.get("/analyses/{job_id}", response_model=Analysis, responses=_ERRORS,
            summary="Status, progress per analyzer, and the report once done")
def get_analysis(request: Request, job_id: str) -> Analysis:
    server = state(request)
    return _describe(server, _job_or_404(server, job_id), full=True)


def _done_file(request: Request, job_id: str, name: str) -> Path:
    server = state(request)
    job = _job_or_404(server, job_id)
    path = server.pool.job_dir(job.id) / name
    if job.status != DONE or not path.is_file():
        raise ApiError(404, "not_ready" if job.status != DONE else "not_found",
                       "the report is not ready" if job.status != DONE else "not available for this analysis")
    return path


_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


@router.get("/analyses/{job_id}/report.html", response_class=HTMLResponse, responses=_file_responses("text/html"),
            summary="The self-contained HTML report")
def report_html(request: Request, job_id: str, download: bool = False) -> Response:
    path = _done_file(request, job_id, "report.html")
    headers = {"Content-Security-Policy": _REPORT_CSP}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="veracity-{job_id[:8]}.html"'
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/analyses/{job_id}/report.json", response_class=Response,
            responses={**_file_responses(), 200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
            summary="The JSON report")
def report_json(request: Request, job_id: str, download: bool = False) -> Response:
    path = _done_file(request, job_id, "report.json")
    headers = {"Content-Disposition": f'attachment; filename="veracity-{job_id[:8]}.json"'} if download else {}
    return FileResponse(path, media_type="application/json", headers=headers)


@router.get("/analyses/{job_id}/artifacts/{sha256}", response_class=Response,
            responses=_file_responses("image/png", "image/jpeg", "image/svg+xml", "application/octet-stream"),
            summary="An evidence picture")
def artifact(request: Request, job_id: str, sha256: str) -> Response:
    if not _SHA256.match(sha256):
        raise ApiError(404, "not_found", "no such artifact")
    server = state(request)
    job = _job_or_404(server, job_id)
    folder = server.pool.job_dir(job.id) / "artifacts"
    found = sorted(folder.glob(f"{sha256[:16]}*")) if job.status == DONE else []
    if not found:
        raise ApiError(404, "not_found", "no such artifact")
    media_type = {".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}.get(
        found[0].suffix, "application/octet-stream")
    return FileResponse(found[0], media_type=media_type,
                        headers={"Content-Security-Policy": "default-src 'none'",
                                 "Cache-Control": "private, max-age=86400"})


@router.get("/analyses/{job_id}/preview", response_class=Response, responses=_file_responses("image/jpeg"),
            summary="The analysed image, downscaled")
def preview(request: Request, job_id: str) -> Response:
    return FileResponse(_done_file(request, job_id, "preview.jpg"), media_type="image/jpeg")


@router.get("/analyses/{job_id}/frames/{frame_idx}", response_class=Response, responses=_file_responses("image/jpeg"),
            summary="A video frame that has evidence")
def frame(request: Request, job_id: str, frame_idx: Annotated[int, PathParam(ge=0, le=10**9)]) -> Response:
    return FileResponse(_done_file(request, job_id, f"frames/{frame_idx}.jpg"), media_type="image/jpeg")


@router.delete("/analyses/{job_id}", status_code=204, responses=_ERRORS,
               summary="Delete the analysis, its upload and its results (stops it when running)")
def delete_analysis(request: Request, job_id: str) -> Response:
    server = state(request)
    if not _ID.match(job_id) or remove_job(server.config, server.store, server.pool, job_id) is None:
        raise ApiError(404, "not_found", "no analysis with this id")
    return Response(status_code=204)


@router.get("/analyzers", response_model=list[AnalyzerEntry], summary="The analyzers this server can run")
def analyzers(request: Request) -> list[AnalyzerEntry]:
    from veracity.analyzers import registry

    config = state(request).config
    running = set(registry.for_profile(config.settings.profile, config.analyzers))
    entries = []
    for analyzer_id, cls in sorted(registry.available().items()):
        info = cls.info
        missing = info.missing_modules()
        enabled = cls in running
        entries.append(AnalyzerEntry(
            id=analyzer_id, version=info.version, title=info.title, summary=info.summary,
            media_kinds=sorted(k.value for k in info.media_kinds), cost=info.cost, installed=not missing,
            enabled=enabled, hint=info.install_hint() if missing else None,
        ))
    return entries
