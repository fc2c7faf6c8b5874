"""Turn command-line inputs into files: folders (recursive), glob patterns, and list files (one path per line)."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

LIST_SUFFIXES = {".txt", ".lst", ".list"}
# Found while walking folders, these are never media: skipping them keeps the error list meaningful.
_NOT_MEDIA = {".txt", ".md", ".csv", ".tsv", ".json", ".jsonl", ".yaml", ".yml", ".xml", ".html", ".py", ".log",
              ".sqlite", ".sqlite-wal", ".sqlite-shm", ".db", ".db-wal", ".db-shm", ".parquet", ".zip", ".pdf"}


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # input -> why nothing could be taken from it


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _walk(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative) or path.suffix.lower() in _NOT_MEDIA:
            continue
        if path.is_file():
            found.append(path)
    return found


def discover(inputs: Sequence[str | Path]) -> Discovery:
    """Files in input order, each once. ``@list.txt`` or any ``.txt/.lst/.list`` file is read as a list of inputs
    (relative entries are relative to the list's folder; blank lines and ``#`` comments are ignored)."""
    out = Discovery()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    def visit(item: str, base: Path | None, depth: int) -> None:
        is_list = item.startswith("@")
        text = item[1:] if is_list else item
        path = Path(text) if base is None or Path(text).is_absolute() else Path(os.path.normpath(base / text))
        if _has_glob(text) and not path.exists():
            matches = sorted(glob.glob(str(path), recursive=True))
            if not matches:
                out.failures[item] = "no file matches this pattern"
            for match in matches:
                visit(match, None, depth)
            return
        if path.is_dir():
            try:
                for found in _walk(path):
                    add(found)
            except OSError as exc:
                out.failures[str(path)] = f"folder cannot be read ({exc.strerror})"
            return
        if not path.exists():
            out.failures[str(path)] = "no such file or folder"
            return
        if (is_list or path.suffix.lower() in LIST_SUFFIXES) and depth < 4:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                out.failures[str(path)] = f"list file cannot be read ({exc})"
                return
            for line in lines:
                entry = line.strip()
                if entry and not entry.startswith("#"):
                    visit(entry, path.parent, depth + 1)
            return
        add(path)

    for item in inputs:
        visit(str(item), None, 0)
    return out
