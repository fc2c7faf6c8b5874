"""``veracity bench``: analyse every file of a labelled corpus, each in an isolated worker, and report accuracy
and speed per category (see bench/README.md for what each number means)."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from veracity import __version__
from veracity.bench.manifest import ManifestError, ManifestRow, read_manifest, select
from veracity.bench.peers import peer_comparison, print_peers, with_peers
from veracity.bench.summary import analyzer_aucs, per_category, print_summary
from veracity.config import Profile, Settings
from veracity.engine.isolation import Call, IsolatedPool
from veracity.engine.task import Task, TaskResult, run_task

DEFAULT_TIMEOUT_S = 900.0


def _item(row: ManifestRow, result: TaskResult | None, error: str | None) -> dict[str, Any]:
    """What the bench records about one file: its manifest row, then the analysis (or why there is none)."""
    item: dict[str, Any] = {
        "path": row.path, "category": row.category, "label": row.label, "kind": row.kind, "method": row.method,
        "generator": row.generator, "source_repo": row.source_repo,
        "p_synthetic": None, "verdict": None, "verdict_method": None, "media_kind": None, "container": None,
        "seconds": None, "media_seconds": None, "launder_seconds": None,
        "error": error, "analyzers": {}, "analyzer_problems": {}, "peak_rss_mb": None,
    }
    if result is None:
        return item
    item.update(error=result.reason, launder_seconds=result.launder_seconds, peak_rss_mb=result.peak_rss_mb)
    if result.report_json is None:
        return item
    from veracity.evidence import Report

    report = Report.model_validate_json(result.report_json)
    item.update(
        p_synthetic=report.verdict.p_synthetic,
        verdict=report.verdict.label.value,
        verdict_method=report.verdict.method,
        media_kind=report.media.kind.value,
        container=report.media.container,
        seconds=report.seconds,
        media_seconds=report.media.duration_s if report.media.kind.value != "image" else None,
        analyzers={r.analyzer_id: r.p_synthetic for r in report.results if r.p_synthetic is not None
                   and r.status.value == "ok"},
        analyzer_problems={r.analyzer_id: f"{r.status.value}: {r.reason}" for r in report.results
                           if r.status.value in ("error", "timeout", "missing_dependency")},
    )
    return item


def _validate(rows: list[ManifestRow], all_rows: list[ManifestRow], categories: Sequence[str] | None,
              profile: Profile | str | None, analyzers: Sequence[str] | None) -> None:
    from veracity.analyzers import registry

    if categories:
        known = sorted({r.category for r in all_rows})
        unknown = [c for c in categories if c not in known]
        if unknown:
            raise ManifestError(f"unknown category {', '.join(unknown)} (the manifest has {', '.join(known)})")
    if not rows:
        raise ManifestError("no files selected")
    try:
        Profile(profile or Profile.DEFAULT)
    except ValueError:
        raise ManifestError(f"unknown profile {profile!r} (fast, default, thorough)") from None
    for analyzer_id in analyzers or ():
        registry.get(analyzer_id)


def _recipe(launder: bool | str) -> str | None:
    from veracity.media.damage import RECIPES

    if launder is True:
        return "platform"
    if launder is False or launder is None:
        return None
    if launder not in RECIPES:
        raise ManifestError(f"unknown laundering recipe {launder!r} (known: {', '.join(RECIPES)})")
    return str(launder)


def run_bench(
    corpus: Path,
    *,
    manifest: Path | None = None,
    json_out: Path | None = None,
    launder: bool | str = False,
    profile: Profile | str | None = None,
    categories: Sequence[str] | None = None,
    limit: int | None = None,
    workers: int = 1,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    analyzers: Sequence[str] | None = None,
    launder_cache: Path | None = None,
    peers: Sequence[str] | None = None,
    console: Console | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Run the benchmark, print its tables, write ``json_out`` if given, and return what it writes.

    ``launder``: ``True`` or ``"platform"`` re-encodes every file as a social platform would first, ``"neutral"``
    with the neutral recipe (``veracity.media.damage``). Raises ``VeracityError`` (``ManifestError``) for a bad
    manifest, category, profile, analyzer id or recipe.
    """
    recipe = _recipe(launder)
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=max(console.width, 150))  # keep tables readable in logs and pipes
    all_rows = read_manifest(manifest or Path(corpus) / "MANIFEST.csv")
    rows = select(all_rows, categories, limit)
    _validate(rows, all_rows, categories, profile, analyzers)
    analyzer_ids = tuple(analyzers) if analyzers else None
    settings = Settings.from_env(profile=profile, file_timeout_s=timeout_s)
    if peers:
        analyzer_ids = with_peers(analyzer_ids, peers, settings.profile)
    cache = str(launder_cache) if launder_cache else None
    settings_json = settings.to_json()
    calls = [
        Call(index, run_task, (Task(str(Path(corpus) / row.path), settings_json, analyzer_ids,
                                    launder=recipe is not None, launder_recipe=recipe or "platform",
                                    launder_cache=cache),))
        for index, row in enumerate(rows)
    ]
    analyzer_versions = _analyzer_versions(analyzer_ids)  # before the run: the code the workers load
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    found: dict[int, dict[str, Any]] = {}
    pool = IsolatedPool(workers=workers, time_limit_s=timeout_s, memory_limit_bytes=settings.worker_memory_bytes)
    err = Console(stderr=True)
    log_lines = not quiet and not err.is_terminal  # no live bar in logs and pipes: one line per file instead
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=err, disable=quiet or log_lines, transient=True,
    ) as bars:
        task = bars.add_task("bench", total=len(calls))
        for outcome in pool.run(calls):
            index = int(outcome.key)  # type: ignore[call-overload]
            item = found[index] = _item(rows[index], outcome.value, outcome.error)
            bars.update(task, advance=1, description=f"{rows[index].category}: {Path(rows[index].path).name[:40]}")
            if log_lines:
                status = f"error: {item['error']}" if item["error"] else f"{item['verdict']} {item['seconds']:.1f} s"
                err.print(f"[{len(found)}/{len(calls)}] {rows[index].path}: {status}", markup=False, highlight=False,
                          soft_wrap=True)
    items = [found[index] for index in range(len(rows))]
    result: dict[str, Any] = {
        "metrics": per_category(items),
        "analyzer_auc": analyzer_aucs(items),
        **({"peers": peer_comparison(items, peers)} if peers else {}),
        "items": items,
        "config": {
            "corpus": str(corpus), "manifest": str(manifest) if manifest else "MANIFEST.csv",
            "launder": recipe is not None, "launder_recipe": recipe,
            "profile": settings.profile.value, "categories": list(categories) if categories else None,
            "limit": limit,
            "analyzers": analyzer_versions, "workers": workers,
            "timeout_s": timeout_s, "tool_version": __version__, "date": started_at,
            "wall_seconds": round(time.perf_counter() - started, 2), "worker_restarts": pool.restarts,
            "python": platform.python_version(), "machine": platform.machine(),
        },
    }
    if not quiet:
        print_summary(console, result)
        if peers:
            print_peers(console, result["peers"])
    if json_out is not None:
        Path(json_out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def _analyzer_versions(analyzer_ids: Sequence[str] | None) -> list[str]:
    from veracity.analyzers import registry

    ids = analyzer_ids or sorted(registry.available())
    return [f"{analyzer_id}@{registry.get(analyzer_id).info.version}" for analyzer_id in ids]
