"""One SQLite file holds scan results and the near-duplicate index; WAL lets readers run beside the writer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DEFAULT_STORE = "veracity.sqlite"


def connect(path: str | Path) -> sqlite3.Connection:
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn
