"""Fingerprints and the places each content hash was seen, in the same SQLite file as the scan results."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from veracity.batch.store import now_iso
from veracity.config import Limits
from veracity.evidence import MediaKind
from veracity.index.fingerprint import FINGERPRINT_VERSION, Fingerprint, fingerprint_file
from veracity.sqlite import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fingerprints (
    sha256 TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    duration_s REAL,
    media_time TEXT,
    media_time_source TEXT,
    first_seen TEXT NOT NULL,
    blob BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS locations (
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (sha256, path)
);
"""


@dataclass(frozen=True)
class IndexEntry:
    fingerprint: Fingerprint
    first_seen: str
    paths: tuple[str, ...]


class IndexStore(SqliteStore):
    schema = _SCHEMA

    def has(self, sha256: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM fingerprints WHERE sha256 = ? AND version = ?", (sha256, FINGERPRINT_VERSION)
        ).fetchone()
        return row is not None

    def add(self, fingerprint: Fingerprint, path: str | Path, *, seen_at: str | None = None) -> None:
        """Store the fingerprint (keeping the first time this content was seen) and where it was found."""
        seen_at = seen_at or now_iso()
        self.conn.execute(
            "INSERT INTO fingerprints (sha256, version, kind, duration_s, media_time, media_time_source, first_seen,"
            " blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET version = excluded.version,"
            " kind = excluded.kind, duration_s = excluded.duration_s, media_time = excluded.media_time,"
            " media_time_source = excluded.media_time_source, blob = excluded.blob",
            (fingerprint.sha256, FINGERPRINT_VERSION, fingerprint.kind.value, fingerprint.duration_s,
             fingerprint.media_time, fingerprint.media_time_source, seen_at, fingerprint.to_bytes()),
        )
        self.touch(fingerprint.sha256, path, seen_at=seen_at)

    def touch(self, sha256: str, path: str | Path, *, seen_at: str | None = None) -> None:
        """Record one more place where already indexed content was found."""
        self.conn.execute(
            "INSERT OR IGNORE INTO locations (sha256, path, first_seen) VALUES (?, ?, ?)",
            (sha256, str(Path(path).resolve()), seen_at or now_iso()),
        )
        self.conn.commit()

    def add_path(self, path: str | Path, *, limits: Limits | None = None) -> Fingerprint | None:
        """Fingerprint and store one file; returns None when its content was already indexed (only the place is
        recorded). Raises ``VeracityError`` for unreadable files."""
        from veracity.media.probe import probe

        media = probe(path, limits)
        if self.has(media.sha256):
            self.touch(media.sha256, path)
            return None
        fingerprint = fingerprint_file(path, media=media)
        self.add(fingerprint, path)
        return fingerprint

    def entries(self) -> Iterator[IndexEntry]:
        paths: dict[str, list[str]] = {}
        for sha256, path in self.conn.execute("SELECT sha256, path FROM locations ORDER BY first_seen"):
            paths.setdefault(sha256, []).append(path)
        cursor = self.conn.execute(
            "SELECT sha256, kind, duration_s, media_time, media_time_source, first_seen, blob FROM fingerprints"
            " WHERE version = ? ORDER BY first_seen", (FINGERPRINT_VERSION,),
        )
        for sha256, kind, duration_s, when, source, first_seen, blob in cursor:
            fingerprint = Fingerprint.from_bytes(blob, sha256=sha256, kind=MediaKind(kind), duration_s=duration_s,
                                                 media_time=when, media_time_source=source)
            yield IndexEntry(fingerprint, first_seen, tuple(paths.get(sha256, ())))

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM fingerprints").fetchone()[0])
