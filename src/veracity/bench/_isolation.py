"""Run calls in worker processes so that a crash in native code (a segfault in a decoder or a model runtime) or
a hang costs one file, never the whole run.

Each worker is its own one-process ``ProcessPoolExecutor`` that takes one call at a time, so a call's time limit
counts from when it really starts. A worker that dies (``BrokenProcessPool``) or runs past the limit is killed
and replaced by a fresh one; the call it held becomes an error.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

_START_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Call:
    key: Hashable
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Outcome:
    key: Hashable
    value: Any = None
    error: str | None = None  # set when the call raised, its worker crashed, or it ran out of time


@dataclass
class _Worker:
    executor: ProcessPoolExecutor
    pid: int
    call: Call | None = None
    future: Future[Any] | None = None
    started: float = field(default=0.0)


class IsolatedPool:
    """``for outcome in IsolatedPool(workers=2, timeout_s=600).run(calls): ...`` (outcomes in completion order)."""

    def __init__(self, workers: int = 1, timeout_s: float | None = None, start_method: str = "spawn") -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.timeout_s = timeout_s
        self._context = multiprocessing.get_context(start_method)
        self.restarts = 0

    def _start(self) -> _Worker:
        executor = ProcessPoolExecutor(max_workers=1, mp_context=self._context)
        pid = executor.submit(os.getpid).result(timeout=_START_TIMEOUT_S)
        return _Worker(executor=executor, pid=pid)

    def _discard(self, worker: _Worker) -> None:
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except OSError:
            pass  # already gone
        worker.executor.shutdown(wait=True, cancel_futures=True)

    def run(self, calls: Iterable[Call]) -> Iterator[Outcome]:
        pending = deque(calls)
        idle: list[_Worker] = []
        busy: list[_Worker] = []
        try:
            while pending or busy:
                while pending and len(idle) + len(busy) < self.workers:
                    idle.append(self._start())
                while pending and idle:
                    worker = idle.pop()
                    worker.call = pending.popleft()
                    worker.started = time.monotonic()
                    worker.future = worker.executor.submit(worker.call.fn, *worker.call.args)
                    busy.append(worker)
                futures = [w.future for w in busy if w.future]
                done, _ = wait(futures, timeout=self._wait_s(busy), return_when=FIRST_COMPLETED)
                for worker in list(busy):
                    outcome, healthy = self._collect(worker, done)
                    if outcome is None:
                        continue
                    busy.remove(worker)
                    if healthy:
                        idle.append(worker)
                    else:
                        self.restarts += 1
                        self._discard(worker)
                    yield outcome
        finally:
            for worker in idle + busy:
                self._discard(worker)

    def _wait_s(self, busy: list[_Worker]) -> float | None:
        if self.timeout_s is None:
            return None
        now = time.monotonic()
        return max(0.05, min(w.started + self.timeout_s - now for w in busy))

    def _collect(self, worker: _Worker, done: set[Future[Any]]) -> tuple[Outcome | None, bool]:
        """The outcome of a finished or overdue call (None while it is still running), and whether its worker
        can take another call."""
        assert worker.call is not None and worker.future is not None
        key = worker.call.key
        if worker.future in done:
            try:
                return Outcome(key, value=worker.future.result()), True
            except BrokenProcessPool:
                return Outcome(key, error="worker process crashed (e.g. a segfault in native code)"), False
            except Exception as exc:  # noqa: BLE001 - the call raised; report it and keep the worker
                return Outcome(key, error=f"{type(exc).__name__}: {exc}"), True
        if self.timeout_s is not None and time.monotonic() - worker.started >= self.timeout_s:
            return Outcome(key, error=f"stopped after the {self.timeout_s:.0f} s per-file time limit"), False
        return None, True
