"""Scan many files into the result store: discover, skip what is done, run the rest in parallel, record all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from veracity.batch.discover import discover
from veracity.batch.store import ResultRow, ResultStore, now_iso
from veracity.config import Settings
from veracity.engine.task import Task, TaskResult

if TYPE_CHECKING:
    from veracity.index.store import IndexStore


def analyzer_signature(settings: Settings, analyzer_ids: Sequence[str] | None = None) -> str:
    """Sorted ``id@version`` of the analyzers a scan runs; ``!missing`` marks one whose dependencies or models are
    absent, so installing an extra or a model makes the affected files count as not done; ``;robustness`` marks a
    scan whose reports carry the robustness check."""
    from veracity.analyzers import registry

    classes = registry.for_profile(settings.profile, analyzer_ids)
    marks = {c: "!missing" if c.info.missing(settings.model_dir) else "" for c in classes}
    signature = ",".join(sorted(f"{c.info.id}@{c.info.version}{mark}" for c, mark in marks.items()))
    return signature + (";robustness" if settings.robustness else "")


@dataclass
class ScanSummary:
    files: int = 0
    analyzed: int = 0
    skipped_done: int = 0  # same content, analyzers and profile already in the store
    skipped_duplicate: int = 0  # same content as another file of this scan
    failed: int = 0
    indexed: int = 0
    queued: int = 0  # files sent to workers by this run
    index_failed: int = 0  # analysed, but could not be fingerprinted (reason in ``notes``)
    by_label: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sha256s: list[str] = field(default_factory=list)  # content hashes of the files this scan covered
    seconds: float = 0.0


ScanHook = Callable[[str, TaskResult | None, ScanSummary], None]  # event: "planned" | "done"


def scan(
    inputs: Sequence[str | Path],
    *,
    store_path: str | Path,
    settings: Settings | None = None,
    analyzer_ids: Sequence[str] | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    use_ray: bool = False,
    index: bool = True,
    hook: ScanHook | None = None,
) -> ScanSummary:
    """Analyze every file the inputs name, skipping those already done; every result lands in ``store_path``."""
    import importlib.util
    import time

    from veracity.media.probe import sha256_file

    started = time.perf_counter()
    settings = settings or Settings()
    notify = hook or (lambda _event, _outcome, _summary: None)
    ids = tuple(analyzer_ids) if analyzer_ids else None
    signature = analyzer_signature(settings, ids)
    profile = settings.profile.value
    found = discover(inputs)
    summary = ScanSummary(files=len(found.files))
    summary.failures.update(found.failures)
    summary.failed += len(found.failures)
    summary.notes.extend(found.notes())

    store = ResultStore(store_path)
    index_store: IndexStore | None = None
    if index and importlib.util.find_spec("pdqhash") is None:
        summary.notes.append("near-duplicate index skipped: it needs pdqhash (pip install 'veracity[index]')")
        index = False
    if index:
        from veracity.index.store import IndexStore

        index_store = IndexStore(store_path)
    try:
        hashed: list[tuple[Path, str]] = []
        for path in found.files:
            sha = store.cached_sha256(path)
            if sha is None:
                try:
                    sha = sha256_file(path)
                    store.remember_sha256(path, sha)
                except OSError as exc:
                    reason = f"cannot be read ({exc.strerror or exc})"
                    summary.failures[str(path)] = reason
                    summary.failed += 1
                    store.put(ResultRow(f"unreadable:{path.resolve()}", signature, profile, str(path), "error",
                                       reason=reason))
                    continue
            hashed.append((path, sha))
        summary.sha256s = [sha for _, sha in hashed]
        done = store.done((sha for _, sha in hashed), signature, profile)
        settings_json = settings.to_json()
        jobs: list[Task] = []
        planned: set[str] = set()
        for path, sha in hashed:
            if sha in planned:  # its places are recorded in the index when the first copy's outcome arrives
                if sha in done:
                    summary.skipped_done += 1
                else:
                    summary.skipped_duplicate += 1
                continue
            if sha in done:
                summary.skipped_done += 1
                if index_store is not None and index_store.has(sha):
                    index_store.touch(sha, path)
                elif index_store is not None:
                    jobs.append(Task(str(path), settings_json, ids, sha, analyze=False, fingerprint=True))
                    planned.add(sha)
                continue
            planned.add(sha)
            jobs.append(Task(str(path), settings_json, ids, sha, fingerprint=index_store is not None))
        summary.queued = len(jobs)
        notify("planned", None, summary)

        if use_ray and jobs:
            from veracity.batch.ray_backend import run_ray

            outcomes = run_ray(jobs, ray_address, num_cpus=workers)
        elif jobs:
            outcomes = run_isolated(jobs, settings, workers)
        else:
            outcomes = iter(())
        same_content = {sha: [p for p, s in hashed if s == sha] for sha in planned}
        for outcome in outcomes:
            _record(outcome, store, index_store, summary, signature, profile, same_content.get(outcome.sha256, []))
            notify("done", outcome, summary)
    finally:
        store.close()
        if index_store is not None:
            index_store.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def run_isolated(tasks: Sequence[Task], settings: Settings, workers: int | None = None) -> Iterator[TaskResult]:
    """Each task in an isolated worker under the settings' per-file time and memory limits; a task that crashes
    its worker, runs out of time or memory comes back as that file's failure."""
    from veracity.engine.isolation import Call, IsolatedPool, default_workers
    from veracity.engine.task import run_task

    pool = IsolatedPool(workers or default_workers(), time_limit_s=settings.file_timeout_s,
                        memory_limit_bytes=settings.worker_memory_bytes)
    for outcome in pool.run(Call(i, run_task, (task,)) for i, task in enumerate(tasks)):
        if outcome.ok:
            yield outcome.value
        else:
            task = tasks[int(outcome.key)]  # type: ignore[call-overload]
            yield TaskResult(task.path, task.sha256, ok=False, reason=outcome.error, seconds=outcome.seconds)


def _record(outcome: TaskResult, store: ResultStore, index_store: IndexStore | None, summary: ScanSummary,
            signature: str, profile: str, paths: list[Path]) -> None:
    if not outcome.ok:
        summary.failed += 1
        summary.failures[outcome.path] = outcome.reason or "failed"
        store.put(ResultRow(outcome.sha256, signature, profile, outcome.path, "error", reason=outcome.reason,
                            seconds=outcome.seconds, finished_at=now_iso()))
        return
    if outcome.analyzed:
        summary.analyzed += 1
        summary.by_label[outcome.label or "?"] += 1
        store.put(ResultRow(outcome.sha256, signature, profile, outcome.path, "ok", kind=outcome.kind,
                            label=outcome.label, p_synthetic=outcome.p_synthetic, seconds=outcome.seconds,
                            finished_at=now_iso(), report_json=outcome.report_json))
    if index_store is not None and outcome.fingerprint_error:
        summary.index_failed += 1
        if summary.index_failed <= 5:
            summary.notes.append(f"not indexed: {outcome.path}: {outcome.fingerprint_error}")
    if index_store is not None and outcome.fingerprint is not None:
        from veracity.evidence import MediaKind
        from veracity.index.fingerprint import Fingerprint
        meta = outcome.fingerprint_meta or {}
        fingerprint = Fingerprint.from_bytes(
            outcome.fingerprint, sha256=outcome.sha256, kind=MediaKind(str(meta["kind"])),
            duration_s=meta.get("duration_s"), media_time=meta.get("media_time"),  # type: ignore[arg-type]
            media_time_source=meta.get("media_time_source"),  # type: ignore[arg-type]
        )
        index_store.add(fingerprint, outcome.path)
        for path in paths:
            index_store.touch(outcome.sha256, path)
        summary.indexed += 1
