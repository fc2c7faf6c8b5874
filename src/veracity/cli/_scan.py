"""``veracity scan``: many files into the resumable store, with one progress bar and a summary at the end."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from veracity._printable import printable
from veracity.cli.app import ExitCode
from veracity.config import Profile, Settings
from veracity.errors import VeracityError


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed * 60:.1f} files/min" if speed else "- files/min", style="progress.data.speed")


def store_path(store: Path | None) -> Path:
    from veracity.config import env
    from veracity.sqlite import DEFAULT_STORE

    return store or Path(env("store") or DEFAULT_STORE)


def run_scan(paths: list[str], *, store: Path | None, workers: int | None, ray: bool, ray_address: str | None,
             export: str | None,
             out: Path | None, profile: Profile | None, analyzers: str | None, index: bool, quiet: bool,
             robustness: bool = False) -> ExitCode:
    from veracity.batch.scan import ScanSummary, scan

    err = Console(stderr=True)
    if export is not None and (export not in ("csv", "jsonl", "parquet") or out is None):
        err.print("error: --export takes csv, jsonl or parquet, and needs --out FILE", markup=False)
        return ExitCode.USAGE
    try:
        settings = Settings.from_env(profile=profile, robustness=robustness or None)
    except ValueError as exc:  # a bad VERACITY_* value
        err.print(f"error: {str(exc).splitlines()[0]}", markup=False)
        return ExitCode.USAGE
    ids = [a.strip() for a in analyzers.split(",") if a.strip()] if analyzers else None
    target = store_path(store)

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err,
        disable=quiet or not err.is_terminal, transient=False,
    ) as bars:
        task = bars.add_task("scanning", total=None)

        def hook(event: str, outcome: object, summary: ScanSummary) -> None:
            if event == "planned":
                bars.update(task, total=summary.queued, description=f"scanning ({summary.skipped_done} already done)")
            else:
                bars.advance(task)

        try:
            summary = scan(paths, store_path=target, settings=settings, analyzer_ids=ids, workers=workers,
                           ray_address=ray_address, use_ray=ray or ray_address is not None, index=index, hook=hook)
        except VeracityError as exc:
            err.print(f"error: {exc}", markup=False)
            return ExitCode.USAGE

    if export is not None and out is not None:
        from veracity.batch.scan import analyzer_signature
        from veracity.batch.store import ResultStore, export_rows

        try:
            with ResultStore(target) as results:
                rows = results.rows(summary.sha256s, signature=analyzer_signature(settings, ids),
                                    profile=settings.profile.value)
                written = export_rows(rows, export, out)
        except VeracityError as exc:
            err.print(f"error: {exc}", markup=False)
            return ExitCode.USAGE
        if not quiet:
            err.print(f"wrote {written} rows to {out}", markup=False, highlight=False)
    if not quiet:
        Console().print(summary_table(summary, target))
        for note in summary.notes:
            err.print(f"note: {printable(note)}", markup=False, highlight=False, soft_wrap=True)
        for path, reason in list(summary.failures.items())[:20]:
            err.print(f"error: {printable(path)}: {printable(reason)}", markup=False, highlight=False, soft_wrap=True)
        if len(summary.failures) > 20:
            err.print(f"... and {len(summary.failures) - 20} more errors (see the store)", markup=False)
    if summary.failures:
        return ExitCode.SOME_FAILED
    return ExitCode.ANALYZED


def summary_table(summary: object, store: Path) -> Table:
    from veracity.batch.scan import ScanSummary

    assert isinstance(summary, ScanSummary)
    table = Table(title=f"Scan summary ({store})")
    table.add_column("", style="bold")
    table.add_column("files", justify="right")
    styles = {"ai_generated": "red", "authentic": "green", "inconclusive": "yellow"}
    for label, count in sorted(summary.by_label.items()):
        table.add_row(f"[{styles.get(label, 'white')}]{label}[/]", str(count))
    table.add_row("errors", str(summary.failed))
    table.add_row("skipped (already done)", str(summary.skipped_done))
    if summary.skipped_duplicate:
        table.add_row("skipped (same content as another file)", str(summary.skipped_duplicate))
    table.add_row("analyzed now", str(summary.analyzed))
    table.add_row("indexed now", str(summary.indexed))
    if summary.index_failed:
        table.add_row("could not be indexed", str(summary.index_failed))
    rate = summary.analyzed / summary.seconds * 60 if summary.seconds and summary.analyzed else 0.0
    table.add_row("time", f"{summary.seconds:.1f} s ({rate:.1f} files/min)")
    return table
