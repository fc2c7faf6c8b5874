"""Read a corpus ``MANIFEST.csv`` into typed, frozen rows (columns described in the corpus README)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from veracity.errors import VeracityError

Label = Literal["real", "fake", "unknown"]
REQUIRED_COLUMNS = ("category", "label", "path")
_LABELS = ("real", "fake", "unknown")


class ManifestError(VeracityError):
    """The manifest is missing, unreadable or has a row that makes no sense."""


@dataclass(frozen=True)
class ManifestRow:
    category: str
    label: Label  # real | fake | unknown (provenance files whose metadata asserts neither)
    path: str  # relative to the corpus folder
    kind: str = ""  # image | video | audio | gif (animated GIF / WebP)
    method: str = ""
    generator: str = ""
    split: str = ""
    source_repo: str = ""
    source_path: str = ""
    source_commit: str = ""
    license: str = ""
    sha256: str = ""
    bytes: int | None = None
    evidence: str = ""
    notes: str = ""

    @property
    def labelled(self) -> bool:
        """Whether the row counts in accuracy metrics (``unknown`` rows are analysed and listed only)."""
        return self.label != "unknown"

    @property
    def y(self) -> int | None:
        """1 for fake (the positive class), 0 for real, None for unknown."""
        return {"fake": 1, "real": 0}.get(self.label)


def read_manifest(manifest: Path) -> list[ManifestRow]:
    """Rows in file order; raise ``ManifestError`` naming the line for a bad label or a missing column."""
    try:
        with manifest.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise ManifestError(f"{manifest}: missing column(s) {', '.join(missing)}")
            return [_row(record, manifest, line) for line, record in enumerate(reader, start=2)]
    except OSError as exc:
        raise ManifestError(f"{manifest}: cannot be read ({exc.strerror or exc})") from exc


def _row(record: dict[str, str | None], manifest: Path, line: int) -> ManifestRow:
    values = {k.strip(): (v or "").strip() for k, v in record.items() if k}
    label = values["label"].lower()
    if label not in _LABELS:
        raise ManifestError(f"{manifest}:{line}: label {values['label']!r} is not one of {', '.join(_LABELS)}")
    if not values["path"] or not values["category"]:
        raise ManifestError(f"{manifest}:{line}: empty path or category")
    size = values.get("bytes", "")
    known = {name for name in ManifestRow.__dataclass_fields__ if name not in ("label", "bytes")}
    return ManifestRow(
        label=cast(Label, label),
        bytes=int(size) if size.isdigit() else None,
        **{name: values[name] for name in known if name in values},
    )


def select(
    rows: Sequence[ManifestRow], categories: Sequence[str] | None = None, limit: int | None = None
) -> list[ManifestRow]:
    """Keep the given categories; with ``limit``, at most that many per category, alternating labels so a quick
    run still sees both real and fake files."""
    wanted = set(categories) if categories else None
    chosen: list[ManifestRow] = []
    for category in dict.fromkeys(r.category for r in rows):
        if wanted is not None and category not in wanted:
            continue
        in_category = [r for r in rows if r.category == category]
        if limit is not None:
            in_category = _alternate_labels(in_category)[: max(limit, 0)]
        chosen.extend(in_category)
    return chosen


def _alternate_labels(rows: list[ManifestRow]) -> list[ManifestRow]:
    by_label = [[r for r in rows if r.label == label] for label in _LABELS]
    out: list[ManifestRow] = []
    for position in range(max((len(group) for group in by_label), default=0)):
        out.extend(group[position] for group in by_label if position < len(group))
    return out
