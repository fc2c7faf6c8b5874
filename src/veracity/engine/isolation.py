"""Worker processes that cost one call, never the run: a crash in native code (a decoder segfault, the
out-of-memory killer), a hang, or a memory blow-up ends that call with a reason and the worker is replaced.

- Each :class:`Worker` is one child process that runs one call at a time, talking over a pipe.
- A call's time limit counts from when that worker starts it (probing included: the whole task runs in the
  child); past it the worker is killed (SIGKILL) and a fresh one takes the next call.
- ``memory_limit_bytes`` caps each worker's address space (``RLIMIT_AS``, where the OS has it); a call that
  hits it ends with "needs more memory than the limit".
- ``VERACITY_TRACE_STUCK_S``: a call still running after that many seconds writes every thread's stack to
  stderr (once), so a hang can be located without a debugger.
- Workers die with their parent: ``PR_SET_PDEATHSIG`` on Linux, a watchdog thread everywhere, and the parent
  kills its workers when the pool closes or the interpreter exits, so a ``kill -9`` of ``veracity scan`` leaves
  no process behind.

``IsolatedPool(workers=2, time_limit_s=600).run(calls)`` runs a batch (outcomes in completion order);
a long-lived caller (the server) keeps its own :class:`Worker` and calls :meth:`Worker.run`. A call's function
must be importable by module name (workers do not re-run the main script).
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import pickle
import signal
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

CRASHED = "crashed"
TIMEOUT = "timeout"
MEMORY = "memory"
RAISED = "raised"
PROGRESS = "progress"

_WATCH_INTERVAL_S = 0.5
_live: weakref.WeakSet[Worker] = weakref.WeakSet()
_to_parent: Connection | None = None  # in a worker: the pipe to the parent, for send_progress


@dataclass(frozen=True)
class Call:
    key: Hashable
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Outcome:
    key: Hashable
    value: Any = None
    error: str | None = None  # why the call gave no value (it raised, its worker crashed, time or memory ran out)
    code: str | None = None  # None when it returned, else RAISED | CRASHED | TIMEOUT | MEMORY
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.code is None


def mib(size_bytes: int) -> str:
    return f"{size_bytes / 1024**2:,.0f} MiB"


class Worker:
    """One isolated child process; ``run`` / ``start`` + ``finish`` one call at a time."""

    def __init__(self, memory_limit_bytes: int | None = None) -> None:
        from veracity.engine._start import process_context

        self.memory_limit_bytes = memory_limit_bytes
        context = process_context()
        self._conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, memory_limit_bytes, os.getpid()),
                                       name="veracity-worker", daemon=True)
        self.process.start()
        child.close()
        self.call: Call | None = None
        self.started = 0.0
        self._unsent: str | None = None
        self._reply: tuple[str, Any] | None = None
        self._closed = False
        self._on_progress: Callable[[Any], None] | None = None
        # A forkserver child's exit status can be read once: a second thread reaping it at the same time reads
        # EOF (exit code 255), so reaping is serialised.
        self._reap_lock = threading.Lock()
        _live.add(self)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def start(self, call: Call, on_progress: Callable[[Any], None] | None = None) -> None:
        """Send ``call``; ``on_progress`` receives what the call passes to ``send_progress`` while it runs."""
        self.call, self.started = call, time.monotonic()
        self._unsent, self._reply, self._closed, self._on_progress = None, None, False, on_progress
        try:
            self._conn.send((call.fn, call.args))
        except Exception as exc:  # noqa: BLE001 - e.g. a function that cannot be pickled: this call's failure
            self._unsent = f"the call could not be sent to a worker ({type(exc).__name__}: {exc})"

    def overdue(self, time_limit_s: float | None) -> bool:
        return time_limit_s is not None and time.monotonic() - self.started >= time_limit_s

    def ready(self) -> bool:
        """The call has an answer, or the process is gone (progress messages are handed on meanwhile)."""
        self._pump()
        return self._unsent is not None or self._reply is not None or self._closed or not self._alive()

    def _pump(self) -> None:
        try:
            while self._reply is None and not self._closed and self._conn.poll():
                status, payload = self._conn.recv()
                if status != PROGRESS:
                    self._reply = (status, payload)
                elif self._on_progress is not None:
                    try:
                        self._on_progress(payload)
                    except Exception:  # noqa: BLE001,S110 - a progress display must not fail the call
                        pass
        except (EOFError, OSError):
            self._closed = True  # the process died (its exit status may not be known yet)

    def finish(self, time_limit_s: float | None = None) -> tuple[Outcome, bool]:
        """The outcome of the current call (call when ``ready()`` or overdue) and whether this worker can take
        another call (False: it died or was killed, start a new one)."""
        assert self.call is not None
        key, seconds = self.call.key, round(time.monotonic() - self.started, 4)
        self.call = None
        if self._unsent is not None:
            return Outcome(key, error=self._unsent, code=RAISED, seconds=seconds), True
        self._pump()
        if self._reply is not None:
            status, payload = self._reply
            if status == "ok":
                return Outcome(key, value=payload, seconds=seconds), True
            return Outcome(key, error=payload, code=status, seconds=seconds), status != MEMORY
        if not self._closed and self._alive():  # overdue
            self.kill()
            return Outcome(key, error=f"stopped after the {time_limit_s:g} s per-file time limit", code=TIMEOUT,
                           seconds=seconds), False
        self._reap(5.0)
        return Outcome(key, error=self._crash_reason(), code=CRASHED, seconds=seconds), False

    def run(self, call: Call, time_limit_s: float | None = None,
            on_progress: Callable[[Any], None] | None = None) -> tuple[Outcome, bool]:
        """Run one call to its end (blocking); ``kill()`` from another thread ends it as a crash."""
        self.start(call, on_progress)
        deadline = None if time_limit_s is None else self.started + time_limit_s
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            if self._unsent is None and self._reply is None and not self._closed:
                wait([self._conn, self.process.sentinel], timeout)
            if self.ready() or self.overdue(time_limit_s):
                return self.finish(time_limit_s)

    def kill(self) -> None:
        """SIGKILL the process (safe from another thread while ``run`` waits: that call ends as a crash)."""
        try:
            if self.process.pid is not None:
                os.kill(self.process.pid, signal.SIGKILL)
        except OSError:
            pass  # already gone
        self._reap(5.0)
        _live.discard(self)

    def close(self) -> None:
        """Stop an idle worker: it leaves its loop when the pipe closes; a busy or stuck one is killed."""
        if self.call is None and self._alive():
            self._conn.close()
            self._reap(2.0)
        if self._alive():
            self.kill()
        self._conn.close()
        _live.discard(self)

    def _alive(self) -> bool:
        with self._reap_lock:
            return self.process.is_alive()

    def _reap(self, timeout_s: float) -> None:
        with self._reap_lock:
            self.process.join(timeout_s)

    def _crash_reason(self) -> str:
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                how = signal.Signals(-code).name
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit code {code}"
        reason = f"the worker process analysing this file crashed ({how}; a decoder or analyzer fault"
        if self.memory_limit_bytes:
            return reason + f", or it needs more memory than the {mib(self.memory_limit_bytes)} limit per worker)"
        return reason + ", or the system ran out of memory)"


class IsolatedPool:
    """``for outcome in IsolatedPool(workers=2, time_limit_s=600).run(calls): ...`` in completion order."""

    def __init__(self, workers: int = 1, time_limit_s: float | None = None,
                 memory_limit_bytes: int | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.time_limit_s = time_limit_s
        self.memory_limit_bytes = memory_limit_bytes
        self.restarts = 0

    def run(self, calls: Iterable[Call]) -> Iterator[Outcome]:
        pending = deque(calls)
        idle: list[Worker] = []
        busy: list[Worker] = []
        try:
            while pending or busy:
                while pending and len(idle) + len(busy) < self.workers:
                    idle.append(Worker(self.memory_limit_bytes))
                while pending and idle:
                    worker = idle.pop()
                    worker.start(pending.popleft())
                    busy.append(worker)
                if not any(w._unsent or w._reply or w._closed for w in busy):
                    wait([w._conn for w in busy] + [w.process.sentinel for w in busy], self._wait_s(busy))
                for worker in list(busy):
                    if not (worker.ready() or worker.overdue(self.time_limit_s)):
                        continue
                    outcome, healthy = worker.finish(self.time_limit_s)
                    busy.remove(worker)
                    if healthy:
                        idle.append(worker)
                    else:
                        self.restarts += 1
                        worker.close()
                    yield outcome
        finally:
            for worker in idle + busy:
                worker.close()

    def _wait_s(self, busy: list[Worker]) -> float | None:
        if self.time_limit_s is None:
            return None
        now = time.monotonic()
        return max(0.05, min(w.started + self.time_limit_s - now for w in busy))


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@atexit.register
def _kill_all() -> None:
    for worker in list(_live):
        worker.kill()


# --- in the child ---------------------------------------------------------------------------------------------


def send_progress(payload: Any) -> None:
    """From inside a call running in a worker: hand ``payload`` to the caller's ``on_progress`` (no-op elsewhere)."""
    if _to_parent is not None:
        try:
            _to_parent.send((PROGRESS, payload))
        except Exception:  # noqa: BLE001,S110 - progress is best effort
            pass


def _serve(conn: Connection, memory_limit_bytes: int | None, parent_pid: int) -> None:
    global _to_parent
    _to_parent = conn
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops its workers
    _die_with_parent(parent_pid)
    if memory_limit_bytes:
        _limit_memory(memory_limit_bytes)
    trace_stuck_s = _trace_stuck_s()
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the parent closed the pipe: stop
        if trace_stuck_s:
            faulthandler.dump_traceback_later(trace_stuck_s)
        try:
            fn, args = pickle.loads(message)
            reply: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            from veracity.engine.task import memory_reason

            reply = (MEMORY, memory_reason(memory_limit_bytes))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back as this call's reason
            reply = (RAISED, f"{type(exc).__name__}: {exc}".strip().rstrip(":"))
        if trace_stuck_s:
            faulthandler.cancel_dump_traceback_later()
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - e.g. a value that cannot be pickled
            conn.send((RAISED, f"the result could not be sent back ({type(exc).__name__}: {exc})"))
        del reply


def _trace_stuck_s() -> float | None:
    from veracity.config import env

    try:
        seconds = float(env("trace_stuck_s") or 0)
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    first_parent = os.getppid()

    def watch() -> None:  # the parent may be gone already, or be a fork server's client rather than our parent
        while True:
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(75)
            except PermissionError:
                pass
            if os.getppid() != first_parent:
                os._exit(75)
            time.sleep(_WATCH_INTERVAL_S)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _limit_memory(limit_bytes: int) -> None:
    try:
        import resource
    except ImportError:
        return  # Windows: no per-process limit here
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        pass
