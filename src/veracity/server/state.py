"""What the routes share: config, job store and worker pool, kept on ``app.state.veracity``."""

from __future__ import annotations

from dataclasses import dataclass

from veracity.server.config import ServerConfig
from veracity.server.pool import WorkerPool
from veracity.server.store import JobStore


@dataclass
class ServerState:
    config: ServerConfig
    store: JobStore
    pool: WorkerPool
