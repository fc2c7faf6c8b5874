"""``veracity check``: expand inputs, analyze each with progress bars, write reports, choose the exit code."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from veracity._printable import printable
from veracity.cli.app import ExitCode
from veracity.config import Profile, Settings
from veracity.errors import VeracityError
from veracity.evidence import Report

if TYPE_CHECKING:
    from veracity.scanner import Scanner


def expand_inputs(paths: list[Path]) -> tuple[list[Path], dict[str, str], list[str]]:
    """Files as given; folders walked the way ``scan`` walks them (hidden entries and obvious non-media skipped).
    Returns the files, the failures (folders that cannot be read) and notes on what was skipped and why."""
    from veracity.batch.discover import Discovery, walk

    files: list[Path] = []
    found = Discovery()
    for path in paths:
        if path.is_dir():
            files.extend(walk(path, found).files)
            found.files.clear()
        else:
            files.append(path)
    return files, found.failures, found.notes()


def _fail(console: Console, path: str, reason: str) -> None:
    # The reason already names the file when it comes from probing.
    message = reason if reason.startswith(path) else f"{path}: {reason}"
    console.print(f"error: {printable(message)}", markup=False, highlight=False, soft_wrap=True)


def check_output_path(path: Path, option: str) -> str | None:
    """Why ``path`` cannot be written (checked before any analysis), or None."""
    if path.is_dir():
        return f"{option} {path}: is a folder, not a file"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"{option} {path}: the folder {parent} does not exist"
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"{option} {path}: not writable"
    return None


class ReportWriter:
    """``--json``: reports are written as each file finishes, so a killed run keeps every report it made.

    ``FILE.jsonl`` gets one report per line; any other name gets the JSON document (one object for one input, an
    array for several: after a kill it lacks only its closing bracket); ``-`` prints the document at the end."""

    def __init__(self, target: str | None, many: bool) -> None:
        self.target, self.many = target, many
        self._held: list[Report] = []
        self._handle: TextIO | None = None
        self._count = 0
        self._lines = bool(target and target != "-" and target.lower().endswith(".jsonl"))
        if target and target != "-":
            self._handle = Path(target).open("w", encoding="utf-8")
            if many and not self._lines:
                self._handle.write("[")
                self._handle.flush()

    def add(self, report: Report) -> None:
        from veracity.report.json_report import report_to_json

        if self._handle is None:
            self._held.append(report)
            return
        if self._lines:
            self._handle.write(report_to_json(report, indent=None) + "\n")
        elif self.many:
            self._handle.write(("," if self._count else "") + "\n" + report_to_json(report))
        else:
            self._handle.write(report_to_json(report) + "\n")
        self._count += 1
        self._handle.flush()

    def close(self) -> None:
        from veracity.report.json_report import reports_to_json

        if self._handle is not None:
            if self.many and not self._lines:
                self._handle.write("\n]\n")
            elif not self._count and not self._lines:
                self._handle.write("[]\n")  # the single input failed
            self._handle.close()
        elif self.target == "-":
            sys.stdout.write(reports_to_json(self._held) + "\n")


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
    pdf_out: Path | None = None,
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
    if pdf_out is not None:
        from veracity.report.pdf import find_chromium

        if find_chromium() is None:
            err.print("error: --pdf needs a Chromium browser: on Debian/Ubuntu `apt install chromium` (or set "
                      "VERACITY_CHROMIUM to one)", markup=False)
            return ExitCode.USAGE
    if fail_on is not None and fail_on not in ("ai_generated", "inconclusive", "authentic"):
        err.print(f"error: --fail-on takes ai_generated, inconclusive or authentic, not {fail_on!r}", markup=False)
        return ExitCode.USAGE

    for option, target in (("--json", Path(json_out) if json_out and json_out != "-" else None),
                           ("--html", html_out), ("--pdf", pdf_out)):
        problem = check_output_path(target, option) if target is not None else None
        if problem:
            err.print(f"error: {printable(problem)}", markup=False, highlight=False, soft_wrap=True)
            return ExitCode.USAGE
    if artifacts_dir is not None and artifacts_dir.exists() and not artifacts_dir.is_dir():
        err.print(f"error: --artifacts-dir {printable(artifacts_dir)}: is a file, not a folder", markup=False)
        return ExitCode.USAGE

    files, failures, notes = expand_inputs(paths)
    for note in notes:
        err.print(f"note: {printable(note)}", markup=False, highlight=False, soft_wrap=True)
    for failed, reason in failures.items():
        _fail(err, failed, reason)
    writer = ReportWriter(json_out, many=len(files) > 1 or any(p.is_dir() for p in paths))
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
        # Workers send reports back as JSON, which keeps pictures as paths: they travel through files.
        wants_pictures = html_out is not None or pdf_out is not None or artifacts_dir is not None
        pictures = (artifacts_dir or Path(tempfile.mkdtemp(prefix="veracity-pictures-"))) if wants_pictures else None
        outcomes = (_isolated(files, scanner, pictures) if len(files) > 1
                    else _one_isolated(files, scanner, bars, step, pictures))
        for path, report, why in outcomes:
            if report is None:
                failures[str(path)] = why or "failed"
                _fail(err, str(path), failures[str(path)])
            else:
                if pictures is not None:
                    report = _load_pictures(report, keep_paths=artifacts_dir is not None)
                if artifacts_dir is not None:
                    from veracity.report import write_artifacts

                    report = write_artifacts(report, artifacts_dir)
                reports.append(report)
                writer.add(report)  # as it is made: a kill loses at most the files still running
            bars.advance(overall)
    if pictures is not None and artifacts_dir is None:
        shutil.rmtree(pictures, ignore_errors=True)

    writer.close()
    order = {str(path): index for index, path in enumerate(files)}
    reports.sort(key=lambda r: order.get(r.media.path, len(order)))
    _write_html(reports, html_out)
    if pdf_out is not None:
        from veracity.report.html import render_html
        from veracity.report.pdf import html_to_pdf

        try:
            html_to_pdf(render_html(reports, for_print=True), pdf_out)
        except VeracityError as exc:
            failures[str(pdf_out)] = str(exc)
            _fail(err, str(pdf_out), str(exc))
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


def _one_isolated(files: list[Path], scanner: Scanner, bars: Progress, step: TaskID,
                  pictures: Path | None = None) -> Outcomes:
    """One file: analysed in an isolated worker (time and memory limits), with a progress bar per analyzer."""
    from veracity.engine.isolation import Call, Worker
    from veracity.engine.task import Task, run_task

    settings = scanner.settings
    worker = Worker(settings.worker_memory_bytes)
    try:
        for path in files:
            bars.update(step, description=f"  {escape(printable(path.name))}", completed=0, total=1, visible=True)

            def on_progress(event, _step=step):  # type: ignore[no-untyped-def]
                label = ("robustness: damaged copies" if event.analyzer_id == "robustness"
                         else event.analyzer_id or "probe")
                bars.update(_step, total=max(event.total, 1), completed=event.done, description=f"  {label}")

            task = Task(str(path), settings.to_json(), scanner.selected, progress=True,
                        artifacts_dir=str(pictures) if pictures else None)
            outcome, _healthy = worker.run(Call(str(path), run_task, (task,)), settings.file_timeout_s, on_progress)
            if not outcome.ok:
                yield path, None, outcome.error
            elif outcome.value.report_json is None:
                yield path, None, outcome.value.reason
            else:
                yield path, Report.model_validate_json(outcome.value.report_json), None
    finally:
        worker.close()


def _isolated(files: list[Path], scanner: Scanner, pictures: Path | None = None) -> Outcomes:
    """Several files: each in an isolated worker (per-file time and memory limits, a crash costs that file),
    yielded as each one finishes (so its report can be written at once). With ``pictures``, workers write
    evidence pictures there (see ``_load_pictures``)."""
    from veracity.batch.scan import run_isolated
    from veracity.engine.task import Task

    settings_json = scanner.settings.to_json()
    tasks = [Task(str(path), settings_json, scanner.selected, artifacts_dir=str(pictures) if pictures else None)
             for path in files]
    for result in run_isolated(tasks, scanner.settings):
        report = Report.model_validate_json(result.report_json) if result.report_json else None
        yield Path(result.path), report, result.reason


def _load_pictures(report: Report, *, keep_paths: bool) -> Report:
    """The pictures a worker wrote, back inside the report (for the HTML/PDF); their paths kept only when the user
    asked for an artifacts folder."""
    results = []
    for result in report.results:
        artifacts = tuple(
            a.model_copy(update={"content": Path(a.path).read_bytes(), "path": a.path if keep_paths else None})
            if a.path and Path(a.path).is_file() else a
            for a in result.artifacts
        )
        results.append(result.model_copy(update={"artifacts": artifacts}))
    return report.model_copy(update={"results": tuple(results)})


def _write_html(reports: list[Report], html_out: Path | None) -> None:
    if html_out:
        from veracity.report.html import render_html

        html_out.write_text(render_html(reports), encoding="utf-8")
