"""``veracity models list | fetch | import``: what models exist, and bringing published ones into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

models_app = typer.Typer(help="List models and fetch published weights into the model store.", no_args_is_help=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="Model store folder (default: $VERACITY_MODEL_DIR or user data dir).")
]


@models_app.command("list")
def list_models(store: StoreOption = None) -> None:
    """Each model: kind (shipped / package / fetchable), present, verified against its sha256, licence."""
    from rich.console import Console
    from rich.table import Table

    from veracity.models import registry

    table = Table(title=f"Models (store: {registry.store_dir(store)})")
    for column in ("name", "kind", "present", "verified", "licence", "where / problem"):
        table.add_column(column, overflow="fold")
    for model in registry.MODELS.values():
        s = registry.state(model, store)
        table.add_row(s.name, s.kind, _yes(s.present), _yes(s.verified), s.licence, s.detail)
    Console().print(table)


@models_app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help="Model name, e.g. aasist.")],
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="Take the files from this folder instead of downloading.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Download a published model from its original address, check every sha256, convert it for inference."""
    _install(name, from_dir, store)


@models_app.command("import")
def import_model(
    name: Annotated[str, typer.Argument(help="Model name, e.g. aasist.")],
    from_dir: Annotated[Path, typer.Option("--from", help="Folder holding the published files.")],
    store: StoreOption = None,
) -> None:
    """Like fetch, from a local folder (offline machines): checks every sha256, then converts."""
    _install(name, from_dir, store)


def _install(name: str, from_dir: Path | None, store: Path | None) -> None:
    from rich.console import Console

    from veracity.errors import VeracityError
    from veracity.models._convert import install

    console = Console(stderr=True)
    try:
        folder = install(name, source_dir=from_dir, store=store, say=lambda line: console.print(line, markup=False))
    except VeracityError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except OSError as exc:
        console.print(f"[red]error:[/] {exc} (no internet? use: veracity models import {name} --from FOLDER)")
        raise typer.Exit(2) from exc
    console.print(f"[green]{name} is ready[/] in {folder}")


def _yes(flag: bool) -> str:
    return "[green]yes[/]" if flag else "[red]no[/]"
