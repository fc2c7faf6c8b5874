"""Turn command-line inputs into files: folders (recursive), glob patterns, and list files (one path per line)."""

from __future__ import annotations

import errno
import glob
import os
import stat
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
    skipped: dict[str, str] = field(default_factory=dict)  # found while walking, left out on purpose -> why
    not_media: int = 0  # files left out by their name (.txt, .json, ...) while walking folders

    def notes(self) -> list[str]:
        """One line per skipped entry and one for the files left out by name, for the user."""
        lines = [f"skipped {path}: {reason}" for path, reason in self.skipped.items()]
        if self.not_media:
            lines.append(f"skipped {self.not_media} file(s) whose names say they are not media (.txt, .json, ...)")
        return lines


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def walk(folder: Path, into: Discovery | None = None) -> Discovery:
    """Regular files under ``folder`` (links followed, hidden entries and obvious non-media skipped), sorted.

    Whatever is left out is said: a folder that cannot be read is a failure; a dangling link, a link that loops back
    to a folder already searched, a FIFO, socket or device is skipped with its reason. Nothing is opened, so a FIFO
    never blocks the walk."""
    out = into if into is not None else Discovery()
    found: list[Path] = []
    searched: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            info = current.stat()
            key = (info.st_dev, info.st_ino)
            if key in searched:
                out.skipped[str(current)] = "a link back to a folder already searched (a loop)"
                continue
            searched.add(key)
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            out.failures[str(current)] = f"folder cannot be read ({exc.strerror or exc})"
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                mode = entry.stat().st_mode  # follows links
            except FileNotFoundError:
                out.skipped[str(path)] = "a link to something that does not exist"
                continue
            except OSError as exc:
                reason = "a link that loops" if exc.errno == errno.ELOOP else f"cannot be read ({exc.strerror})"
                out.skipped[str(path)] = reason
                continue
            if stat.S_ISDIR(mode):
                pending.append(path)
            elif not stat.S_ISREG(mode):
                kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
                out.skipped[str(path)] = f"not a regular file ({kind})"
            elif path.suffix.lower() in _NOT_MEDIA:
                out.not_media += 1
            else:
                found.append(path)
    out.files.extend(sorted(found))
    return out


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
            sub = walk(path)
            for found in sub.files:
                add(found)
            out.failures.update(sub.failures)
            out.skipped.update(sub.skipped)
            out.not_media += sub.not_media
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
