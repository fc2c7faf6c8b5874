"""The FastAPI app: /v1 API, /healthz, and the web page at / (plain HTML, CSS and JS, nothing external)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from veracity import __version__
from veracity.server import errors
from veracity.server._guard import host_allowed, origin_allowed
from veracity.server.config import ServerConfig
from veracity.server.models import Health
from veracity.server.pool import WorkerPool, sweep
from veracity.server.routes import router
from veracity.server.state import ServerState
from veracity.server.store import QUEUED, RUNNING, JobStore

log = logging.getLogger("veracity.server")

SWEEP_EVERY_S = 600.0
_PAGE_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _static_dir() -> Path:
    return Path(str(resources.files("veracity.server").joinpath("static")))


def create_app(config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        previous_umask = private_data_dir(config)
        store = JobStore(config.database)
        _chmod_tree(config.database.parent, only=config.database.name)
        requeued, failed = store.recover(config.max_attempts)
        if requeued or failed:
            log.warning("after restart: %d interrupted jobs queued again, %d marked failed", requeued, failed)
        pool = WorkerPool(config, store)
        app.state.veracity = ServerState(config=config, store=store, pool=pool)
        stop_sweeping = threading.Event()
        sweeper = threading.Thread(target=_sweep_loop, args=(config, store, pool, stop_sweeping), daemon=True,
                                   name="veracity-retention")
        sweeper.start()
        pool.start()
        try:
            yield
        finally:
            stop_sweeping.set()
            pool.stop()
            store.close()
            os.umask(previous_umask)

    app = FastAPI(
        title="Veracity",
        version=__version__,
        summary="Is this video, image or audio clip AI-made or real, and why?",
        lifespan=lifespan,
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN; the OpenAPI document stays
        redoc_url=None,
    )
    errors.install(app)
    app.include_router(router)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        host = request.headers.get("host")
        if not config.api_token and not host_allowed(host, config.bind_host, config.allowed_hosts):
            return errors.error_response(
                421, "host_not_allowed", "this server answers only to its own address (set VERACITY_API_TOKEN, or "
                "VERACITY_ALLOWED_HOSTS to name more)")
        if not origin_allowed(request.method, request.headers.get("origin"), host, config.cors_origins):
            return errors.error_response(403, "origin_not_allowed",
                                         "requests from other web sites are refused (see VERACITY_CORS_ORIGINS)")
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/v1/"):
            response.headers.setdefault("Content-Security-Policy", _PAGE_CSP)
        return response

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz(request: Request) -> Health:
        server: ServerState = request.app.state.veracity
        return Health(status="ok", version=__version__, workers=config.workers, queued=server.store.count(QUEUED),
                      running=server.store.count(RUNNING), url_intake=config.url_intake)

    static = _static_dir()

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(static / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=static), name="static")
    return app


def private_data_dir(config: ServerConfig) -> int:
    """Reports, previews, heatmaps, uploads and the job database are the user's alone: folders 0700, files 0600.

    The server's umask becomes 077 (inherited by its worker processes), and what an older version left readable is
    tightened once at start. Returns the umask it replaced."""
    previous = os.umask(0o077)
    for folder in (config.data_dir, config.data_dir / "uploads", config.data_dir / "jobs"):
        folder.mkdir(parents=True, exist_ok=True)
    _chmod_tree(config.data_dir)
    return previous


def _chmod_tree(root: Path, only: str | None = None) -> None:
    """0700 for folders and 0600 for files under ``root`` (``only``: just the files whose names start with it)."""
    try:
        if only is None:
            root.chmod(0o700)
        for entry in root.rglob(f"{only}*" if only else "*"):
            if entry.is_symlink():
                continue
            entry.chmod(0o700 if entry.is_dir() else 0o600)
    except OSError as exc:
        log.warning("could not make %s private: %s", root, exc)


def _sweep_loop(config: ServerConfig, store: JobStore, pool: WorkerPool, stop: threading.Event) -> None:
    while True:
        try:
            sweep(config, store, pool)
        except Exception:  # noqa: BLE001
            log.exception("retention sweep failed")
        if stop.wait(SWEEP_EVERY_S):
            return
