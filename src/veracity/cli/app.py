from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="veracity",
    help="Is this video, image or audio clip AI-made or real, and why?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class ExitCode(IntEnum):
    """Documented in the README."""

    ANALYZED = 0
    FLAGGED = 1  # --fail-on matched
    USAGE = 2
    UNREADABLE = 3  # the only input could not be read or is unsupported
    SOME_FAILED = 4  # in a batch, some files failed and the others were analyzed


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders are searched recursively).")],
    json_out: Annotated[Optional[str], typer.Option("--json", help="Write the JSON report to FILE, or '-' for stdout.")] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", help="Write a self-contained HTML report.")] = None,
    analyzers: Annotated[Optional[str], typer.Option(help="Comma-separated analyzer ids to run (default: all).")] = None,
    profile: Annotated[str, typer.Option(help="fast | default | thorough")] = "default",
    artifacts_dir: Annotated[Optional[Path], typer.Option(help="Also save evidence pictures as files here.")] = None,
    fail_on: Annotated[Optional[str], typer.Option(help="Exit 1 when any file gets this label (ai_generated).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
) -> None:
    """Analyze files and print a verdict with its evidence."""
    from veracity.cli._check import run_check

    code = run_check(
        paths, json_out=json_out, html_out=html_out, analyzers=analyzers, profile=profile,
        artifacts_dir=artifacts_dir, fail_on=fail_on, quiet=quiet,
    )
    raise typer.Exit(int(code))


@app.command("analyzers")
def list_analyzers() -> None:
    """List analyzer plug-ins, their versions, media kinds and whether their dependencies are installed."""
    from rich.console import Console
    from rich.table import Table

    from veracity.analyzers import registry

    table = Table(title="Analyzers")
    for column in ("id", "version", "media", "cost", "dependencies", "summary"):
        table.add_column(column, overflow="fold")
    for analyzer_id, cls in sorted(registry.available().items()):
        info = cls.info
        missing = info.missing_modules()
        deps = "[green]ok[/]" if not missing else f"[red]missing {', '.join(missing)}[/] ({info.install_hint()})"
        kinds = ",".join(sorted(k.value for k in info.media_kinds))
        table.add_row(analyzer_id, info.version, kinds, str(info.cost), deps, info.summary)
    Console().print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    from veracity.report.json_report import schema_json

    sys.stdout.write(schema_json())


@app.command()
def bench(
    corpus: Annotated[Path, typer.Argument(help="Corpus folder with a MANIFEST.csv.")],
    manifest: Annotated[Optional[Path], typer.Option(help="Manifest CSV (default: CORPUS/MANIFEST.csv).")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write metrics and per-file items here.")] = None,
    launder: Annotated[bool, typer.Option(help="Re-encode every file as a social platform would, first.")] = False,
    profile: Annotated[str, typer.Option(help="fast | default | thorough")] = "default",
    category: Annotated[Optional[list[str]], typer.Option(help="Only these categories (repeatable).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="At most this many files per category (for quick runs).")] = None,
) -> None:
    """Measure accuracy and speed over a labelled corpus."""
    from veracity.bench.runner import run_bench

    run_bench(corpus, manifest=manifest, json_out=json_out, launder=launder, profile=profile,
              categories=category, limit=limit)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
