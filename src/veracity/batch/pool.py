"""Local parallel execution: a process pool that survives crashing workers.

When a worker dies (a decoder segfault, the out-of-memory killer) the whole pool breaks and every running job
fails with it. The pool is recreated and those jobs are retried one at a time, so only the file that crashes on
its own is recorded as failed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from veracity.batch.worker import Job, Outcome, run_job

CRASH_REASON = "the worker process analysing this file crashed (killed, out of memory, or a decoder fault)"


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_local(jobs: Sequence[Job], workers: int | None = None, *,
              worker_fn: Callable[[Job], Outcome] = run_job) -> Iterator[Outcome]:
    """Run jobs on ``workers`` processes (default: the usable cores); outcomes come back as they finish."""
    workers = workers or default_workers()
    context = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads (progress bar, Ray)
    pending = deque(jobs)
    suspects: deque[Job] = deque()
    in_flight: dict[Future[Outcome], Job] = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        while pending or suspects or in_flight:
            if suspects:
                if not in_flight:
                    job = suspects.popleft()
                    in_flight[pool.submit(worker_fn, job)] = job
            else:
                while pending and len(in_flight) < 2 * workers:
                    job = pending.popleft()
                    in_flight[pool.submit(worker_fn, job)] = job
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            solo = len(in_flight) == 1
            crashed: list[Job] = []
            for future in finished:
                job = in_flight.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    crashed.append(job)
                except Exception as exc:  # noqa: BLE001 - e.g. an outcome that could not be pickled
                    yield Outcome(job.path, job.sha256, ok=False, reason=f"worker error {type(exc).__name__}: {exc}")
            if not crashed:
                continue
            for future, job in list(in_flight.items()):
                if future.done() and future.exception() is None:
                    yield future.result()
                else:
                    crashed.append(job)
            in_flight.clear()
            pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            if solo:
                yield Outcome(crashed[0].path, crashed[0].sha256, ok=False, reason=CRASH_REASON)
            else:
                suspects.extend(crashed)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
