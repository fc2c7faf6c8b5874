"""Worker processes: started by a fork server that has Veracity imported, without re-running the main script.

Python prepares every forkserver child by re-importing ``__main__`` (for ``veracity serve`` the CLI, under tests
pytest): seconds per job on a busy machine. The job's target lives in an importable module, so the child does not
need it. ``LeanPopen._launch`` is CPython's own (3.8-3.13) with those keys left out; where the internals differ
(or there is no fork server, as on Windows), the standard spawn process is used.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

PRELOAD = ["veracity.engine._preload"]

# OpenBLAS (inside numpy's and scipy's wheels) keeps a thread pool, torn down and rebuilt around every fork; a process
# forked with one can spin forever in a threaded matrix product (OpenBLAS issues #294, #5520). Workers are forked by
# the fork server, which imports numpy, and run analyzers in threads: the stalled workers caught here sat in
# OpenBLAS's ``inner_thread``/``sched_yield``. They already run analyzers in threads and files in processes, so
# their BLAS uses one thread and has no pool.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1"}

try:
    from multiprocessing import forkserver, popen_forkserver, spawn, util
    from multiprocessing.context import ForkServerProcess, reduction, set_spawning_popen  # type: ignore[attr-defined]

    _LEAN = hasattr(forkserver, "connect_to_new_process") and hasattr(popen_forkserver.Popen, "_launch")
except ImportError:
    _LEAN = False

if _LEAN:

    class LeanPopen(popen_forkserver.Popen):  # type: ignore[misc,name-defined]
        def _launch(self, process_obj: Any) -> None:
            prep_data = spawn.get_preparation_data(process_obj._name)
            prep_data.pop("init_main_from_path", None)
            prep_data.pop("init_main_from_name", None)
            buf = io.BytesIO()
            set_spawning_popen(self)
            try:
                reduction.dump(prep_data, buf)
                reduction.dump(process_obj, buf)
            finally:
                set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
            parent_w = os.dup(w)
            self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))  # type: ignore[attr-defined]
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)

    class LeanProcess(ForkServerProcess):  # type: ignore[misc,valid-type]
        @staticmethod
        def _Popen(process_obj: Any) -> LeanPopen:  # noqa: N802 - the multiprocessing hook's name
            return LeanPopen(process_obj)


def warm_up() -> None:
    """Start the fork server now (it imports Veracity), so the first worker does not wait for it."""
    if _LEAN and "forkserver" in multiprocessing.get_all_start_methods():
        process_context()
        forkserver.ensure_running()


class _Context:
    """What the engine needs from a multiprocessing context: ``Pipe`` and ``Process``."""

    def __init__(self, process: Callable[..., BaseProcess], pipe: Callable[..., Any]) -> None:
        self.Process = process  # noqa: N815 - multiprocessing's names
        self.Pipe = pipe  # noqa: N815


def process_context() -> _Context:
    os.environ.update(WORKER_ENVIRONMENT)  # read when the fork server (or a spawned worker) starts
    if _LEAN and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return _Context(LeanProcess, context.Pipe)
    spawn_context = multiprocessing.get_context("spawn")
    return _Context(spawn_context.Process, spawn_context.Pipe)  # type: ignore[attr-defined]
