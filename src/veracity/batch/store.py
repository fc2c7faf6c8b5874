"""The result store: one row per (file sha256, analyzer-set signature, profile), so a scan can resume.

A file counts as done when a row with status ``ok`` exists for its content hash under the same analyzer set
(ids, versions and whether their dependencies were installed) and profile; failures are recorded with their
reason and retried on the next run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from veracity.sqlite import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    profile TEXT NOT NULL,
    path TEXT NOT NULL,
    status TEXT NOT NULL,            -- ok | error
    kind TEXT,
    label TEXT,
    p_synthetic REAL,
    reason TEXT,
    seconds REAL,
    finished_at TEXT NOT NULL,
    report_json TEXT,
    PRIMARY KEY (sha256, signature, profile)
);
CREATE INDEX IF NOT EXISTS results_by_path ON results (path);
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""

EXPORT_COLUMNS = ("path", "sha256", "status", "kind", "label", "p_synthetic", "explanation", "reason", "seconds",
                  "profile", "signature", "finished_at")


@dataclass(frozen=True)
class ResultRow:
    sha256: str
    signature: str
    profile: str
    path: str
    status: str
    kind: str | None = None
    label: str | None = None
    p_synthetic: float | None = None
    reason: str | None = None
    seconds: float | None = None
    finished_at: str = ""
    report_json: str | None = None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultStore(SqliteStore):
    """Written by one process (the scan's coordinator); safe to read from others while it runs."""

    schema = _SCHEMA

    def cached_sha256(self, path: Path) -> str | None:
        """The content hash computed on an earlier run, when size and modification time are unchanged."""
        try:
            stat = path.stat()
        except OSError:
            return None
        row = self.conn.execute(
            "SELECT sha256 FROM file_hashes WHERE path = ? AND size_bytes = ? AND mtime_ns = ?",
            (str(path), stat.st_size, stat.st_mtime_ns),
        ).fetchone()
        return row[0] if row else None

    def remember_sha256(self, path: Path, sha256: str) -> None:
        stat = path.stat()
        self.conn.execute(
            "INSERT OR REPLACE INTO file_hashes (path, size_bytes, mtime_ns, sha256) VALUES (?, ?, ?, ?)",
            (str(path), stat.st_size, stat.st_mtime_ns, sha256),
        )
        self.conn.commit()

    def done(self, sha256s: Iterable[str], signature: str, profile: str) -> set[str]:
        """Which of these hashes already have an ``ok`` result under this signature and profile."""
        wanted = list(set(sha256s))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT sha256 FROM results WHERE status = 'ok' AND signature = ? AND profile = ? "
                f"AND sha256 IN ({marks})",
                (signature, profile, *chunk),
            )
            found.update(r[0] for r in rows)
        return found

    def put(self, row: ResultRow) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO results (sha256, signature, profile, path, status, kind, label, p_synthetic, "
            "reason, seconds, finished_at, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.sha256, row.signature, row.profile, row.path, row.status, row.kind, row.label, row.p_synthetic,
             row.reason, row.seconds, row.finished_at or now_iso(), row.report_json),
        )
        self.conn.commit()

    def rows(self, sha256s: Sequence[str] | None = None, *, signature: str | None = None,
             profile: str | None = None) -> Iterator[ResultRow]:
        query = "SELECT * FROM results"
        clauses: list[str] = []
        params: list[str] = []
        if signature is not None:
            clauses.append("signature = ?")
            params.append(signature)
        if profile is not None:
            clauses.append("profile = ?")
            params.append(profile)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        cursor = self.conn.execute(query + " ORDER BY path", params)
        names = [c[0] for c in cursor.description]
        keep = set(sha256s) if sha256s is not None else None
        for values in cursor:
            row = ResultRow(**dict(zip(names, values, strict=True)))
            if keep is None or row.sha256 in keep:
                yield row

    def latest_verdicts(self, sha256s: Iterable[str]) -> dict[str, ResultRow]:
        """The most recent successful result per content hash, whatever analyzers produced it."""
        out: dict[str, ResultRow] = {}
        wanted = list(set(sha256s))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            cursor = self.conn.execute(
                f"SELECT * FROM results WHERE status = 'ok' AND sha256 IN ({marks}) ORDER BY finished_at", chunk
            )
            names = [c[0] for c in cursor.description]
            for values in cursor:
                row = ResultRow(**dict(zip(names, values, strict=True)))
                out[row.sha256] = row
        return out


def row_record(row: ResultRow) -> dict[str, object]:
    return {name: explanation(row) if name == "explanation" else getattr(row, name) for name in EXPORT_COLUMNS}


def explanation(row: ResultRow) -> str | None:
    """The verdict's leading reason in one line (from the stored report), for the csv/parquet column."""
    if not row.report_json:
        return None
    from veracity.evidence import Verdict
    from veracity.fusion._explain import one_line

    try:
        verdict = Verdict.model_validate(json.loads(row.report_json)["verdict"])
    except (ValueError, KeyError, TypeError):
        return None
    return one_line(verdict)


def export_rows(rows: Iterable[ResultRow], fmt: str, out: Path) -> int:
    """Write rows as csv (one line per file), jsonl (the full report per line) or parquet (needs pyarrow)."""
    rows = list(rows)
    if fmt == "csv":
        import csv

        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(row_record(r) for r in rows)
    elif fmt == "jsonl":
        with out.open("w", encoding="utf-8") as handle:
            for r in rows:
                record = row_record(r)
                record["report"] = json.loads(r.report_json) if r.report_json else None
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            from veracity.errors import MissingExtra

            raise MissingExtra("parquet export needs pyarrow: pip install 'veracity[parquet]'") from exc
        records = [row_record(r) for r in rows]
        columns = {name: [record[name] for record in records] for name in EXPORT_COLUMNS}
        columns["report_json"] = [r.report_json for r in rows]
        pq.write_table(pa.table(columns), out)
    else:
        raise ValueError(f"unknown export format {fmt!r} (csv, jsonl, parquet)")
    return len(rows)
