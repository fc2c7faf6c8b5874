from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer

from veracity.config import Profile

app = typer.Typer(
    name="veracity",
    help="Is this video, image or audio clip AI-made or real, and why?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


_STORE_HELP = "Result store, SQLite (env VERACITY_STORE; default ./veracity.sqlite)."
_PROFILE_HELP = "How deep to look (env VERACITY_PROFILE; default: default)."


def _print_version(value: bool) -> None:
    if value:
        from veracity import __version__

        sys.stdout.write(f"veracity {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_print_version)] = False,
) -> None:
    """Is this video, image or audio clip AI-made or real, and why?"""


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
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the JSON report to FILE, or '-' for stdout.")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report.")] = None,
    pdf_out: Annotated[Path | None, typer.Option(
        "--pdf", help="Also print the report to PDF (A4), with the Chromium browser installed here.")] = None,
    analyzers: Annotated[str | None, typer.Option(help="Comma-separated analyzer ids to run (default: all).")] = None,
    profile: Annotated[Profile | None, typer.Option(help=_PROFILE_HELP)] = None,
    artifacts_dir: Annotated[Path | None, typer.Option(help="Also save evidence pictures as files here.")] = None,
    fail_on: Annotated[str | None, typer.Option(help="Exit 1 when any file gets this label (ai_generated).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
    robustness: Annotated[bool, typer.Option(
        "--robustness", help="Also re-analyse damaged copies (recompressed, downscaled, metadata stripped) and "
        "report whether the verdict holds.")] = False,
) -> None:
    """Analyze files and print a verdict with its evidence."""
    from veracity.engine._start import warm_up

    warm_up()  # files are analysed in worker processes: their fork server imports Veracity while this one reads on
    from veracity.cli._check import run_check

    code = run_check(
        paths, json_out=json_out, html_out=html_out, analyzers=analyzers, profile=profile,
        artifacts_dir=artifacts_dir, fail_on=fail_on, quiet=quiet, robustness=robustness, pdf_out=pdf_out,
    )
    raise typer.Exit(int(code))


@app.command("analyzers")
def list_analyzers(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the documentation table (Markdown).")] = False,
) -> None:
    """List analyzer plug-ins, their versions, media kinds and whether their dependencies are installed."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from veracity.analyzers import registry
    from veracity.config import PROFILE_MAX_COST, Settings

    if markdown:
        sys.stdout.write(registry.markdown_table())
        return
    store = Settings.from_env().model_dir
    table = Table(title="Analyzers")
    for column in ("id", "version", "media", "profiles", "dependencies", "summary"):
        table.add_column(column, overflow="fold")
    absent: list[str] = []
    for analyzer_id, cls in sorted(registry.available().items()):
        info = cls.info
        missing = info.missing(store)
        deps = "[green]ok[/]" if missing is None else f"[red]{escape(missing[0])}[/] ({escape(missing[1])})"
        absent += [analyzer_id] if missing else []
        kinds = ",".join(sorted(k.value for k in info.media_kinds))
        profiles = ", ".join(p.value for p, most in PROFILE_MAX_COST.items() if info.cost <= most)
        table.add_row(analyzer_id, info.version, kinds, profiles, deps, info.summary)
    console = Console()
    console.print(table)
    for profile, most in PROFILE_MAX_COST.items():
        slow = sorted(a for a, cls in registry.available().items() if cls.info.cost > most)
        console.print(f"{profile.value} profile skips as slow: {', '.join(slow) or 'none'}", highlight=False)
    if absent:
        console.print(f"[red]not installed, so no profile runs them:[/] {', '.join(absent)} (see dependencies)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    from veracity.report.json_report import schema_json

    sys.stdout.write(schema_json())


@app.command()
def bench(
    corpus: Annotated[Path, typer.Argument(help="Corpus folder with a MANIFEST.csv.")],
    manifest: Annotated[Path | None, typer.Option(help="Manifest CSV (default: CORPUS/MANIFEST.csv).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write metrics and per-file items here.")] = None,
    launder: Annotated[str | None, typer.Option(
        metavar="[platform|neutral]",
        help="Re-encode every file first: alone or 'platform', as a social platform would; 'neutral': square crop "
        "at a random spot, 512x512, 8 fps, first 5 s of video / 6 s of audio.")] = None,
    profile: Annotated[Profile | None, typer.Option(help=_PROFILE_HELP)] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only these categories (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many files per category (for quick runs).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each file runs isolated in one).")] = 1,
    timeout_s: Annotated[float, typer.Option("--timeout-s", min=1, help="Per-file time limit in seconds.")] = 900.0,
    analyzers: Annotated[str | None, typer.Option(help="Comma-separated analyzer ids (default: all).")] = None,
    launder_cache: Annotated[Path | None, typer.Option(help="Cache folder for laundered copies.")] = None,
    peer: Annotated[list[str] | None, typer.Option(
        help="Also run a published peer model on the same files and compare (repeatable): mesonet.")] = None,
) -> None:
    """Measure accuracy and speed over a labelled corpus."""
    from veracity.bench.runner import run_bench
    from veracity.errors import VeracityError

    try:
        run_bench(corpus, manifest=manifest, json_out=json_out, launder=launder or False, profile=profile,
                  categories=category, limit=limit, workers=workers, timeout_s=timeout_s,
                  analyzers=[a.strip() for a in analyzers.split(",") if a.strip()] if analyzers else None,
                  launder_cache=launder_cache, peers=peer)
    except VeracityError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(int(ExitCode.USAGE)) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[Path | None, typer.Option(
        help="Where jobs, uploads and reports are kept (env VERACITY_DATA_DIR; default: the user's data folder)."
    )] = None,
    workers: Annotated[int | None, typer.Option(help="Analyses run at once (env VERACITY_WORKERS; default 2).")
                       ] = None,
    profile: Annotated[Profile | None, typer.Option(help=_PROFILE_HELP)] = None,
    analyzers: Annotated[str | None, typer.Option(help="Comma-separated analyzer ids (default: the profile's).")
                         ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Run the REST API and the web page (needs the "server" extra of the veracity package)."""
    from veracity.cli._serve import run_serve

    raise typer.Exit(run_serve(host=host, port=port, data_dir=data_dir, workers=workers, profile=profile,
                               analyzers=analyzers, log_level=log_level))




@app.command()
def scan(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive), glob patterns, list files (@x.txt).")],
    store: Annotated[Path | None, typer.Option(help=_STORE_HELP)] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: the usable cores).")] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Run on Ray (--ray-address, RAY_ADDRESS or a local one).")] = False,
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster: auto, host:6379, ray://host:10001.")] = None,
    export: Annotated[str | None, typer.Option(help="Also write the results as csv | jsonl | parquet.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where --export writes.")] = None,
    profile: Annotated[Profile | None, typer.Option(help=_PROFILE_HELP)] = None,
    analyzers: Annotated[str | None, typer.Option(help="Comma-separated analyzer ids (default: profile's).")] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Do not fill the near-duplicate index.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    robustness: Annotated[bool, typer.Option(
        "--robustness", help="Also re-analyse damaged copies and report whether each verdict holds.")] = False,
) -> None:
    """Analyze many files into a resumable store (files already analysed are skipped) and index them."""
    from veracity.cli._scan import run_scan

    raise typer.Exit(int(run_scan(paths, store=store, workers=workers, ray=ray, ray_address=ray_address,
                                  export=export, out=out, profile=profile, analyzers=analyzers,
                                  index=not no_index, quiet=quiet, robustness=robustness)))


index_app = typer.Typer(help="The near-duplicate index (filled by scan, or by index add).", no_args_is_help=True)
app.add_typer(index_app, name="index")


@index_app.command("add")
def index_add(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, glob patterns or list files.")],
    store: Annotated[Path | None, typer.Option(help=_STORE_HELP)] = None,
) -> None:
    """Fingerprint files into the index without analysing them."""
    from veracity.cli._index import run_index_add

    raise typer.Exit(int(run_index_add(paths, store=store)))


@app.command()
def match(
    file: Annotated[Path, typer.Argument(help="The file whose copies to find.")],
    store: Annotated[Path | None, typer.Option(help=_STORE_HELP)] = None,
    json_out: Annotated[str | None, typer.Option("--json", help="Write the matches as JSON to FILE, or '-'.")] = None,
) -> None:
    """Find near copies of a file in the index, earliest evidence first, flagging copies whose verdict differs."""
    from veracity.cli._index import run_match

    raise typer.Exit(int(run_match(file, store=store, json_out=json_out)))


# The models sub-app module imports only typer at top level; its commands import the rest when they run.
from veracity.cli._models import models_app  # noqa: E402

app.add_typer(models_app, name="models")


LAUNDER_RECIPES = ("platform", "neutral")


def launder_alone_means_platform(argv: list[str]) -> list[str]:
    """``bench --launder`` with no recipe after it means the platform recipe: spell that value out for the parser
    (an option whose value may be left out is not something the parser offers)."""
    out = []
    for index, token in enumerate(argv):
        out.append(token)
        if token == "--launder" and (index + 1 == len(argv) or argv[index + 1] not in LAUNDER_RECIPES):
            out.append("platform")
    return out


def main() -> None:
    try:
        app(args=launder_alone_means_platform(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
