"""Server settings: where jobs live, how many run at once, upload and URL limits, auth and retention.

Every field can be set from the environment as ``VERACITY_<FIELD>`` (e.g. ``VERACITY_DATA_DIR``,
``VERACITY_API_TOKEN``, ``VERACITY_MAX_UPLOAD_BYTES``); the analysis itself is ``settings``, the same
``veracity.config.Settings`` as the CLI's (``VERACITY_PROFILE``, ``VERACITY_MAX_PIXELS``, ``VERACITY_MODEL_DIR``...).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from veracity.config import Settings, env_fields


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/veracity/server`` (``~/.local/share/...`` when unset; ``%LOCALAPPDATA%`` on Windows)."""
    base = os.environ.get("XDG_DATA_HOME") or os.environ.get("LOCALAPPDATA")  # the OS's variables, not ours
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root / "veracity" / "server"


class ServerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    db_path: Path | None = Field(default=None, description="SQLite job store (default: DATA_DIR/jobs.sqlite3)")
    workers: int = Field(default=2, ge=0, description="analyses run at once, each in its own process")
    queue_max: int = Field(default=100, ge=1, description="queued jobs beyond which new ones get 429")
    job_timeout_s: float = Field(default=900.0, gt=0, description="a job still running after this is stopped")
    max_attempts: int = Field(default=2, ge=1, description="runs of a job interrupted by a server stop")
    max_upload_bytes: int = Field(default=512 * 1024**2, gt=0)
    retention_hours: float = Field(default=24.0, ge=0, description="uploads of ended jobs are deleted after this")
    keep_results_hours: float = Field(default=0.0, ge=0, description="whole jobs deleted after this; 0 keeps them")
    api_token: str | None = Field(default=None, repr=False, description="when set, every /v1 call needs it")
    cors_origins: tuple[str, ...] = ()
    url_intake: bool = True
    allow_private_urls: bool = Field(default=False, description="let URLs reach loopback/private addresses")
    url_max_bytes: int | None = Field(default=None, description="default: max_upload_bytes")
    url_timeout_s: float = Field(default=120.0, gt=0)
    analyzers: tuple[str, ...] | None = None
    bind_host: str = Field(default="127.0.0.1", description="the address served (set by veracity serve); without a "
                           "token, requests must name it (or localhost) as their Host")
    allowed_hosts: tuple[str, ...] = Field(default=(), description="more Host names accepted without a token")
    probe_timeout_s: float = Field(default=30.0, gt=0, description="time to check an upload's content")
    max_connections: int = Field(default=2048, ge=16, description="open connections; beyond, new ones are closed")
    header_timeout_s: float = Field(default=10.0, gt=0, description="time for a client to send a request's headers")
    body_idle_timeout_s: float = Field(default=30.0, gt=0, description="longest pause while a client sends a body")
    settings: Settings = Field(default_factory=Settings.from_env, description="the analysis every job runs")

    @property
    def database(self) -> Path:
        return self.db_path or self.data_dir / "jobs.sqlite3"

    @property
    def url_limit_bytes(self) -> int:
        return self.url_max_bytes or self.max_upload_bytes

    @classmethod
    def from_env(cls, *, settings: Settings | None = None, **overrides: Any) -> ServerConfig:
        """Values from ``VERACITY_*`` variables, then ``overrides`` (those that are not None) on top;
        ``settings`` defaults to ``Settings.from_env()``."""
        values: dict[str, Any] = env_fields(cls, skip=("settings",))
        for name in ("cors_origins", "analyzers", "allowed_hosts"):
            if name in values:
                values[name] = tuple(p.strip() for p in values[name].split(",") if p.strip())
        for name in ("url_intake", "allow_private_urls"):
            if name in values:
                values[name] = values[name].strip().lower() in ("1", "true", "yes", "on")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(settings=settings or Settings.from_env(), **values)
