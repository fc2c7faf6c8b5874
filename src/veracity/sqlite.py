"""The one way Veracity opens SQLite (the scan store, the near-duplicate index, the server's job store): WAL so
readers run beside the writer, a 30 s busy timeout, normal sync."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import ClassVar, Self

DEFAULT_STORE = "veracity.sqlite"


def connect(path: str | Path, *, autocommit: bool = False, any_thread: bool = False,
            named_rows: bool = False) -> sqlite3.Connection:
    """Open (creating its folder) ``path``. ``autocommit``: no implicit transactions (the caller writes
    ``BEGIN``); ``any_thread``: usable from several threads (the caller locks); ``named_rows``: rows by name."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None if autocommit else "DEFERRED",
                           check_same_thread=not any_thread)
    if named_rows:
        conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteStore:
    """A store in one SQLite file: opens it, creates its tables, closes as a context manager."""

    schema: ClassVar[str]

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn: sqlite3.Connection = connect(self.path)
        self.conn.executescript(self.schema)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
