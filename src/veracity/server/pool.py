"""A bounded pool: ``workers`` threads, each running one job at a time in its own process, with a time limit.

A process per job means an analyzer that hangs or crashes in native code takes down its job only, never the
server. Processes come from a fork server that has Veracity imported already, so starting one is cheap.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import threading
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

from veracity.config import Settings
from veracity.server._job import JobSpec, run
from veracity.server._process import job_process_class, warm_up
from veracity.server.config import ServerConfig
from veracity.server.store import DONE, FAILED, Job, JobStore

log = logging.getLogger("veracity.server")

class WorkerPool:
    def __init__(self, config: ServerConfig, store: JobStore) -> None:
        self.config = config
        self.store = store
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, BaseProcess] = {}
        self._lock = threading.Lock()
        self._process = job_process_class()
        self._settings_json = Settings(
            profile=config.profile, limits=config.limits, analyzer_timeout_s=config.analyzer_timeout_s
        ).model_dump_json()

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
            processes = list(self._running.values())
        for process in processes:
            process.terminate()
        for thread in self._threads:
            thread.join(timeout_s)

    def notify(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        with self._lock:
            process = self._running.get(job_id)
        if process is not None and process.is_alive():
            process.kill()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.store.claim_next()
            except Exception:  # noqa: BLE001 - a locked or broken database must not kill the worker
                log.exception("could not read the job queue")
                job = None
            if job is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self._run(job)
            except Exception as exc:  # noqa: BLE001
                log.exception("job %s failed in the pool", job.id)
                self.store.finish(job.id, job.attempts, status=FAILED, error_code="server_error",
                                  error=f"the server could not run the analysis ({type(exc).__name__}: {exc})")

    def job_dir(self, job_id: str) -> Path:
        return self.config.data_dir / "jobs" / job_id

    def _run(self, job: Job) -> None:
        job_dir = self.job_dir(job.id)
        shutil.rmtree(job_dir, ignore_errors=True)  # leftovers of an interrupted attempt
        job_dir.mkdir(parents=True)
        spec = JobSpec(
            job_id=job.id, attempt=job.attempts, input_path=job.input_path, job_dir=str(job_dir), name=job.name,
            url=job.url, db_path=str(self.store.path), settings_json=self._settings_json,
            analyzers=self.config.analyzers, url_max_bytes=self.config.url_limit_bytes,
            url_timeout_s=self.config.url_timeout_s, allow_private_urls=self.config.allow_private_urls,
            server_pid=os.getpid(),
        )
        process = self._process(target=run, args=(spec,), name=f"veracity-job-{job.id[:8]}", daemon=True)
        with self._lock:
            self._running[job.id] = process
        try:
            process.start()
            process.join(self.config.job_timeout_s)
            timed_out = process.is_alive()
            if timed_out:
                process.kill()
                process.join(5.0)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
        if self._stop.is_set() and not (job_dir / "outcome.json").exists():
            self.store.requeue(job.id, job.attempts)  # a clean shutdown does not use up an attempt
            return
        self._close(job, job_dir, process.exitcode, timed_out)

    def _close(self, job: Job, job_dir: Path, exitcode: int | None, timed_out: bool) -> None:
        outcome_path = job_dir / "outcome.json"
        if self.store.get(job.id) is None:
            shutil.rmtree(job_dir, ignore_errors=True)  # deleted while it ran
            return
        if timed_out:
            values = {"status": FAILED, "error_code": "timeout",
                      "error": f"the analysis was stopped after the {self.config.job_timeout_s:.0f} s time limit"}
        elif outcome_path.exists():
            outcome = json.loads(outcome_path.read_text(encoding="utf-8"))
            if outcome["status"] == DONE:
                values = {"status": DONE, "label": outcome["label"], "p_synthetic": outcome["p_synthetic"],
                          "media_kind": outcome["media_kind"]}
            else:
                values = {"status": FAILED, "error_code": outcome["code"], "error": outcome["message"]}
        else:
            values = {"status": FAILED, "error_code": "crashed", "error": _crash_reason(exitcode)}
        self.store.finish(job.id, job.attempts, **values)


def _crash_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the analysis process crashed ({name}); the file may trip a decoder or an analyzer"
    return f"the analysis process ended without a result (exit code {exitcode})"


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
