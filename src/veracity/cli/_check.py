"""``veracity check``: expand inputs, analyze each with progress bars, write reports, choose the exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from veracity.cli.app import ExitCode
from veracity.config import Profile, Settings
from veracity.errors import VeracityError
from veracity.evidence import Report

if TYPE_CHECKING:
    from veracity.scanner import Scanner


def expand_inputs(paths: list[Path]) -> tuple[list[Path], dict[str, str]]:
    """Files as given, folders searched recursively (hidden files skipped); unreadable entries become failures."""
    files: list[Path] = []
    failures: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            try:
                entries = sorted(
                    p for p in path.rglob("*") if not any(part.startswith(".") for part in p.parts[len(path.parts) :])
                )
            except OSError as exc:
                failures[str(path)] = f"folder cannot be read ({exc.strerror})"
                continue
            files.extend(p for p in entries if p.is_file())
        else:
            files.append(path)
    return files, failures


def _fail(console: Console, path: str, reason: str) -> None:
    # The reason already names the file when it comes from probing.
    message = reason if reason.startswith(path) else f"{path}: {reason}"
    console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)


def run_check(
    paths: list[Path],
    *,
    json_out: str | None,
    html_out: Path | None,
    analyzers: str | None,
    profile: Profile | None,
    artifacts_dir: Path | None,
    fail_on: str | None,
    quiet: bool,
    robustness: bool = False,
) -> ExitCode:
    from veracity.scanner import Scanner

    # Decided now: while native libraries' logs are filtered (veracity._native_logs) fd 2 is briefly a pipe.
    err = Console(stderr=True, force_terminal=sys.stderr.isatty() or None)
    try:
        settings = Settings.from_env(profile=profile, robustness=robustness or None)
        scanner = Scanner(settings, [a.strip() for a in analyzers.split(",") if a.strip()] if analyzers else None)
    except ValueError as exc:  # a bad VERACITY_* value
        err.print(f"error: {str(exc).splitlines()[0]}", markup=False)
        return ExitCode.USAGE
    except VeracityError as exc:
        err.print(f"error: {exc}", markup=False)
        return ExitCode.USAGE
    if fail_on is not None and fail_on not in ("ai_generated", "inconclusive", "authentic"):
        err.print(f"error: --fail-on takes ai_generated, inconclusive or authentic, not {fail_on!r}", markup=False)
        return ExitCode.USAGE

    files, failures = expand_inputs(paths)
    for failed, reason in failures.items():
        _fail(err, failed, reason)
    reports: list[Report] = []
    show_progress = not quiet and err.is_terminal
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show_progress,
        transient=True,
    ) as bars:
        overall = bars.add_task("files", total=len(files))
        step = bars.add_task("", total=1, visible=False)
        outcomes = _isolated(files, scanner) if len(files) > 1 else _one_isolated(files, scanner, bars, step)
        for path, report, why in outcomes:
            if report is None:
                failures[str(path)] = why or "failed"
                _fail(err, str(path), failures[str(path)])
            else:
                if artifacts_dir is not None:
                    from veracity.report import write_artifacts

                    report = write_artifacts(report, artifacts_dir)
                reports.append(report)
            bars.advance(overall)

    _write_outputs(reports, json_out, html_out)
    if not quiet and json_out != "-":
        from veracity.report.terminal import print_details, summary_table

        out = Console()
        out.print(summary_table(reports, failures))
        for report in reports:
            print_details(out, report)
    if not reports and failures:
        return (
            ExitCode.UNREADABLE
            if len(failures) == 1 and len(paths) == 1 and not paths[0].is_dir()
            else ExitCode.SOME_FAILED
        )
    if fail_on and any(r.verdict.label.value == fail_on for r in reports):
        return ExitCode.FLAGGED
    return ExitCode.SOME_FAILED if failures else ExitCode.ANALYZED


Outcomes = Iterator[tuple[Path, Report | None, str | None]]


def _one_isolated(files: list[Path], scanner: Scanner, bars: Progress, step: TaskID) -> Outcomes:
    """One file: analysed in an isolated worker (time and memory limits), with a progress bar per analyzer."""
    from veracity.engine.isolation import Call, Worker
    from veracity.engine.task import Task, run_task

    settings = scanner.settings
    worker = Worker(settings.worker_memory_bytes)
    try:
        for path in files:
            bars.update(step, description=f"  {path.name}", completed=0, total=1, visible=True)

            def on_progress(event, _step=step):  # type: ignore[no-untyped-def]
                label = ("robustness: damaged copies" if event.analyzer_id == "robustness"
                         else event.analyzer_id or "probe")
                bars.update(_step, total=max(event.total, 1), completed=event.done, description=f"  {label}")

            task = Task(str(path), settings.to_json(), scanner.selected, progress=True)
            outcome, _healthy = worker.run(Call(str(path), run_task, (task,)), settings.file_timeout_s, on_progress)
            if not outcome.ok:
                yield path, None, outcome.error
            elif outcome.value.report_json is None:
                yield path, None, outcome.value.reason
            else:
                yield path, Report.model_validate_json(outcome.value.report_json), None
    finally:
        worker.close()


def _isolated(files: list[Path], scanner: Scanner) -> Outcomes:
    """Several files: each in an isolated worker (per-file time and memory limits, a crash costs that file),
    reported in the order given."""
    from veracity.batch.scan import run_isolated
    from veracity.engine.task import Task

    settings_json = scanner.settings.to_json()
    tasks = [Task(str(path), settings_json, scanner.selected) for path in files]
    done: dict[str, tuple[Report | None, str | None]] = {}
    for result in run_isolated(tasks, scanner.settings):
        report = Report.model_validate_json(result.report_json) if result.report_json else None
        done[result.path] = (report, result.reason)
    for path in files:
        yield (path, *done[str(path)])


def _write_outputs(reports: list[Report], json_out: str | None, html_out: Path | None) -> None:
    if json_out:
        from veracity.report.json_report import reports_to_json

        text = reports_to_json(reports)
        if json_out == "-":
            sys.stdout.write(text + "\n")
        else:
            Path(json_out).write_text(text + "\n", encoding="utf-8")
    if html_out:
        from veracity.report.html import render_html

        html_out.write_text(render_html(reports), encoding="utf-8")
