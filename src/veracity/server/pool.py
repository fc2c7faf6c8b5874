"""A bounded pool: ``workers`` threads, each running one job at a time in its own isolated worker process
(``veracity.engine.isolation.Worker``) under the per-job time limit and the per-worker memory limit.

An analyzer that hangs or crashes in native code takes down its job's worker only, never the server; the worker
is replaced. A worker keeps its loaded analyzers between jobs, and dies with the server.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from veracity.engine._start import warm_up
from veracity.engine.isolation import MEMORY, TIMEOUT, Call, Outcome, Worker
from veracity.server._job import JobSpec, check_upload, run
from veracity.server.config import ServerConfig
from veracity.server.store import DONE, FAILED, Job, JobStore

log = logging.getLogger("veracity.server")

PROBE_WORKERS = 2  # upload checks at once before a new worker is started for each
PROBE_MEMORY_BYTES = 2 * 1024**3  # address space of an upload-check worker: probing decodes no pixels

class WorkerPool:
    def __init__(self, config: ServerConfig, store: JobStore) -> None:
        self.config = config
        self.store = store
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, Worker] = {}
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._settings_json = config.settings.to_json()
        self._checkers: list[Worker] = []  # idle workers for upload checks (kept warm, at most PROBE_WORKERS)

    def start(self) -> None:
        if self.config.workers:
            threading.Thread(target=warm_up, name="veracity-warm-up", daemon=True).start()
        for number in range(self.config.workers):
            thread = threading.Thread(target=self._loop, name=f"veracity-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.kill()
        with self._lock:
            checkers, self._checkers = self._checkers, []
        for worker in checkers:
            worker.close()
        for thread in self._threads:
            thread.join(timeout_s)

    def check_upload(self, path: Path) -> tuple[int, str, str] | None:
        """The upload-time media check in an isolated engine worker, as jobs run: killed past ``probe_timeout_s``,
        its address space capped (``PROBE_MEMORY_BYTES`` unless the per-worker limit is lower). None: the file is
        media within the limits; else (HTTP status, error code, reason) - every failure is 413 or 415."""
        with self._lock:
            worker = self._checkers.pop() if self._checkers else None
        if worker is None:
            limit = self.config.settings.worker_memory_bytes
            worker = Worker(min(limit, PROBE_MEMORY_BYTES) if limit else PROBE_MEMORY_BYTES)
        outcome, healthy = worker.run(Call("check", check_upload, (str(path), self._settings_json)),
                                      self.config.probe_timeout_s)
        with self._lock:
            keep = healthy and not self._stop.is_set() and len(self._checkers) < PROBE_WORKERS
            if keep:
                self._checkers.append(worker)
        if not keep:
            worker.close()
        if outcome.ok:
            return outcome.value  # type: ignore[no-any-return]
        if outcome.code == MEMORY:
            return 413, "media_too_large", "reading the file needs more memory than the server allows"
        if outcome.code == TIMEOUT:
            return 415, "unsupported_media", (f"the file could not be checked within {self.config.probe_timeout_s:g} s"
                                              " (not media Veracity can read)")
        return 415, "unsupported_media", "the file could not be read as media (the check failed)"

    def notify(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        with self._lock:
            worker = self._running.get(job_id)
        if worker is not None:
            worker.kill()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def _loop(self) -> None:
        worker: Worker | None = None
        try:
            while not self._stop.is_set():
                worker = self._step(worker)
        finally:
            if worker is not None:
                worker.close()

    def _step(self, worker: Worker | None) -> Worker | None:
        """Claim and run one job (or wait for one); returns the worker to use next (None: start a new one)."""
        try:
            job = self.store.claim_next()
        except Exception:  # noqa: BLE001 - a locked or broken database must not kill the worker
            log.exception("could not read the job queue")
            job = None
        if job is None:
            self._wake.wait(1.0)
            self._wake.clear()
            return worker
        try:
            worker = self._run(job, worker)
        except Exception as exc:  # noqa: BLE001
            log.exception("job %s failed in the pool", job.id)
            self.store.finish(job.id, job.attempts, status=FAILED, error_code="server_error",
                              error=f"the server could not run the analysis ({type(exc).__name__}: {exc})")
        return worker

    def job_dir(self, job_id: str) -> Path:
        return self.config.data_dir / "jobs" / job_id

    def _run(self, job: Job, worker: Worker | None) -> Worker | None:
        job_dir = self.job_dir(job.id)
        shutil.rmtree(job_dir, ignore_errors=True)  # leftovers of an interrupted attempt
        job_dir.mkdir(parents=True)
        spec = JobSpec(
            job_id=job.id, attempt=job.attempts, input_path=job.input_path, job_dir=str(job_dir), name=job.name,
            url=job.url, db_path=str(self.store.path), settings_json=self._settings_json,
            analyzers=self.config.analyzers, url_max_bytes=self.config.url_limit_bytes,
            url_timeout_s=self.config.url_timeout_s, allow_private_urls=self.config.allow_private_urls,
        )
        if worker is None:
            worker = Worker(self.config.settings.worker_memory_bytes)
            with self._lock:
                self._workers.append(worker)
        with self._lock:
            self._running[job.id] = worker
        try:
            outcome, healthy = worker.run(Call(job.id, run, (spec,)), self.config.job_timeout_s)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
        if not healthy:
            worker.close()
            with self._lock:
                self._workers.remove(worker)
        if self._stop.is_set() and not outcome.ok:
            self.store.requeue(job.id, job.attempts)  # a clean shutdown does not use up an attempt
        else:
            self._close(job, job_dir, outcome)
        return worker if healthy else None

    def _close(self, job: Job, job_dir: Path, outcome: Outcome) -> None:
        if self.store.get(job.id) is None:
            shutil.rmtree(job_dir, ignore_errors=True)  # deleted while it ran
            return
        values: dict[str, Any]
        if outcome.code == TIMEOUT:
            values = {"status": FAILED, "error_code": "timeout",
                      "error": f"the analysis was stopped after the {self.config.job_timeout_s:.0f} s time limit"}
        elif outcome.ok and outcome.value["status"] == DONE:
            result = outcome.value
            values = {"status": DONE, "label": result["label"], "p_synthetic": result["p_synthetic"],
                      "media_kind": result["media_kind"]}
        elif outcome.ok:
            values = {"status": FAILED, "error_code": outcome.value["code"], "error": outcome.value["message"]}
        else:
            values = {"status": FAILED, "error_code": "out_of_memory" if outcome.code == MEMORY else "crashed",
                      "error": (outcome.error or "").replace("analysing this file", "running the analysis")}
        self.store.finish(job.id, job.attempts, **values)


def sweep(config: ServerConfig, store: JobStore, pool: WorkerPool, now_s: float | None = None) -> None:
    """Retention: uploads of ended jobs after ``retention_hours``; whole jobs after ``keep_results_hours``."""
    now_s = time.time() if now_s is None else now_s
    for job in store.ended_before(now_s - config.retention_hours * 3600, with_input=True):
        Path(job.input_path).unlink(missing_ok=True)
        store.set_input_deleted(job.id)
    if config.keep_results_hours > 0:
        for job in store.ended_before(now_s - config.keep_results_hours * 3600, with_input=False):
            remove_job(config, store, pool, job.id)


def remove_job(config: ServerConfig, store: JobStore, pool: WorkerPool, job_id: str) -> Job | None:
    job = store.delete(job_id)
    if job is None:
        return None
    pool.cancel(job_id)
    Path(job.input_path).unlink(missing_ok=True)
    shutil.rmtree(pool.job_dir(job_id), ignore_errors=True)
    return job
