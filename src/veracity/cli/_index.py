"""``veracity index add`` and ``veracity match``: fill the near-duplicate index and search it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from veracity._printable import printable
from veracity.cli._scan import store_path
from veracity.cli.app import ExitCode
from veracity.errors import VeracityError


def run_index_add(paths: list[str], *, store: Path | None) -> ExitCode:
    from veracity.batch.discover import discover
    from veracity.index.store import IndexStore

    err = Console(stderr=True)
    found = discover(paths)
    failures = dict(found.failures)
    added = known = 0
    with IndexStore(store_path(store)) as index:
        for path in found.files:
            try:
                if index.add_path(path) is None:
                    known += 1
                else:
                    added += 1
            except VeracityError as exc:
                failures[str(path)] = str(exc)
            except Exception as exc:  # noqa: BLE001 - one bad file must never stop a batch
                failures[str(path)] = f"unexpected {type(exc).__name__}: {exc}"
        total = index.count()
    for failed, reason in failures.items():
        err.print(f"error: {printable(failed)}: {printable(reason)}", markup=False, highlight=False, soft_wrap=True)
    err.print(f"indexed {added} new, {known} already known, {len(failures)} failed; {total} in the index",
              markup=False, highlight=False)
    return ExitCode.SOME_FAILED if failures else ExitCode.ANALYZED


def _fmt_range(r: object) -> str:
    def span(a: float | None, b: float | None) -> str:
        if a is None:
            return "still"
        a = max(a, 0.0)  # window centres can sit a little before the start; time never does
        return f"{a:.1f} s" if b is None or abs(b - a) < 0.05 else f"{a:.1f}–{max(b, a):.1f} s"

    return f"{span(r.query_start_s, r.query_end_s)} → {span(r.copy_start_s, r.copy_end_s)}"  # type: ignore[attr-defined]


def run_match(file: Path, *, store: Path | None, json_out: str | None) -> ExitCode:
    from veracity.index.search import match_file

    err = Console(stderr=True)
    target = store_path(store)
    if not target.exists():
        err.print(f"error: no store at {target} (run veracity scan or veracity index add first)", markup=False)
        return ExitCode.USAGE
    try:
        result = match_file(file, target)
    except VeracityError as exc:
        err.print(f"error: {printable(exc)}", markup=False)
        return ExitCode.UNREADABLE
    if json_out:
        text = json.dumps(result.to_dict(), indent=2)
        if json_out == "-":
            sys.stdout.write(text + "\n")
            return ExitCode.ANALYZED
        Path(json_out).write_text(text + "\n", encoding="utf-8")
    if not result.copies:
        Console().print(f"No near copies of {printable(file)} in the index.", markup=False, highlight=False)
        return ExitCode.ANALYZED
    table = Table(title=f"Copies of {escape(printable(file))} (earliest evidence first)")
    for column in ("#", "copy", "kind", "similarity", "via", "matched (query → copy)", "earliest evidence",
                   "verdict"):
        table.add_column(column, overflow="fold")
    for rank, copy in enumerate(result.copies, 1):
        ranges = ", ".join(_fmt_range(r) for r in copy.ranges[:4]) or "-"
        verdict = copy.label or "not scanned"
        if copy.verdict_differs:
            verdict = f"[bold magenta]{verdict} (differs)[/]"
        paths = "\n".join(escape(printable(p)) for p in copy.paths[:3])
        paths += f"\n(+{len(copy.paths) - 3} more)" if len(copy.paths) > 3 else ""
        table.add_row(str(rank), paths or copy.sha256[:12], copy.kind, f"{copy.similarity:.2f}", copy.via, ranges,
                      f"{copy.earliest_s} ({copy.earliest_source})", verdict)
    Console().print(table)
    return ExitCode.ANALYZED
