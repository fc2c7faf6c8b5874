"""Jobs in SQLite (WAL): the queue, each job's progress and outcome. Reports themselves are files in the job folder."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ENDED = (DONE, FAILED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT,
    input_path TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '{}',
    error_code TEXT,
    error TEXT,
    label TEXT,
    p_synthetic REAL,
    media_kind TEXT,
    input_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at);
"""


@dataclass
class Job:
    id: str
    status: str
    source: str  # "upload" | "url"
    name: str  # the file name or URL a person gave, for display only
    url: str | None
    input_path: str
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    progress: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    error: str | None = None
    label: str | None = None
    p_synthetic: float | None = None
    media_kind: str | None = None
    input_deleted: bool = False

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        values = dict(row)
        values["progress"] = json.loads(values["progress"] or "{}")
        values["input_deleted"] = bool(values["input_deleted"])
        return cls(**values)


def new_job_id() -> str:
    return uuid.uuid4().hex


def connect(path: Path) -> sqlite3.Connection:
    """The job store's connection: explicit transactions, shared by the pool's threads, rows by name."""
    from veracity import sqlite

    return sqlite.connect(path, autocommit=True, any_thread=True, named_rows=True)


class JobStore:
    """Thread-safe: one connection guarded by a lock (SQLite writes are serialised anyway)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, job: Job) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (id, status, source, name, url, input_path, created_at) VALUES (?,?,?,?,?,?,?)",
                (job.id, job.status, job.source, job.name, job.url, job.input_path, job.created_at),
            )

    def add_if_room(self, job: Job, queue_max: int) -> bool:
        """Insert unless ``queue_max`` jobs already wait; checked and inserted in one transaction."""
        with self._tx() as db:
            (waiting,) = db.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (QUEUED,)).fetchone()
            if waiting >= queue_max:
                return False
            db.execute(
                "INSERT INTO jobs (id, status, source, name, url, input_path, created_at) VALUES (?,?,?,?,?,?,?)",
                (job.id, job.status, job.source, job.name, job.url, job.input_path, job.created_at),
            )
        return True

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.from_row(row) if row else None

    def page(self, limit: int, offset: int) -> tuple[list[Job], int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs ORDER BY created_at DESC, id LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
            (total,) = self._db.execute("SELECT COUNT(*) FROM jobs").fetchone()
        return [Job.from_row(r) for r in rows], total

    def count(self, status: str) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (status,)).fetchone()
        return int(n)

    def claim_next(self) -> Job | None:
        """Oldest queued job, marked running with its attempt counted, or None."""
        with self._tx() as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE status = ? ORDER BY created_at, id LIMIT 1", (QUEUED,)
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET status = ?, started_at = ?, attempts = attempts + 1, progress = '{}' WHERE id = ?",
                (RUNNING, time.time(), row["id"]),
            )
            claimed = db.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone()
        return Job.from_row(claimed)

    def finish(self, job_id: str, attempt: int, **values: Any) -> bool:
        """Record the end of one attempt; ignored when the job was deleted or re-run meanwhile."""
        values.setdefault("finished_at", time.time())
        columns = ", ".join(f"{k} = ?" for k in values)
        with self._tx() as db:
            cursor = db.execute(
                f"UPDATE jobs SET {columns} WHERE id = ? AND attempts = ? AND status = ?",  # noqa: S608 - fixed keys
                (*values.values(), job_id, attempt, RUNNING),
            )
        return cursor.rowcount == 1

    def recover(self, max_attempts: int) -> tuple[int, int]:
        """After a restart: jobs left running go back to the queue, or fail once out of attempts."""
        with self._tx() as db:
            failed = db.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, error_code = 'interrupted', error = ? "
                "WHERE status = ? AND attempts >= ?",
                (FAILED, time.time(), f"the server stopped during each of {max_attempts} attempts to analyse this "
                 "file; it may crash the analysis", RUNNING, max_attempts),
            ).rowcount
            requeued = db.execute("UPDATE jobs SET status = ? WHERE status = ?", (QUEUED, RUNNING)).rowcount
        return requeued, failed

    def requeue(self, job_id: str, attempt: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET status = ?, attempts = attempts - 1 WHERE id = ? AND attempts = ? AND status = ?",
                (QUEUED, job_id, attempt, RUNNING),
            )

    def set_input_deleted(self, job_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE jobs SET input_deleted = 1 WHERE id = ?", (job_id,))

    def ended_before(self, timestamp: float, *, with_input: bool) -> list[Job]:
        query = "SELECT * FROM jobs WHERE status IN (?, ?) AND finished_at < ?"
        if with_input:
            query += " AND input_deleted = 0"
        with self._lock:
            rows = self._db.execute(query, (DONE, FAILED, timestamp)).fetchall()
        return [Job.from_row(r) for r in rows]

    def delete(self, job_id: str) -> Job | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None:
                db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return Job.from_row(row) if row else None


def write_progress(db: sqlite3.Connection, job_id: str, attempt: int, progress: dict[str, Any]) -> None:
    """Called from the job's own process, through its own connection."""
    db.execute(
        "UPDATE jobs SET progress = ? WHERE id = ? AND attempts = ? AND status = ?",
        (json.dumps(progress), job_id, attempt, RUNNING),
    )
