"""The one isolation engine: a crash, a hang, a memory blow-up or a raise costs one call; workers die with their
parent."""

from __future__ import annotations

import os
import time

import pytest

from veracity.engine.isolation import CRASHED, MEMORY, RAISED, TIMEOUT, Call, IsolatedPool, Worker


def allocate_gib(gib: float) -> int:
    import numpy as np

    return int(np.ones(int(gib * 1024**3), dtype=np.uint8).sum())


def test_a_crash_or_a_hang_costs_one_call_and_the_rest_go_on() -> None:
    pool = IsolatedPool(workers=1, time_limit_s=3)
    calls = [
        Call("before", abs, (-2,)),
        Call("crash", os.abort),  # dies in native code, like a segfaulting decoder
        Call("after-crash", abs, (-3,)),
        Call("hang", time.sleep, (60,)),
        Call("after-hang", abs, (-4,)),
        Call("raises", int, ("not a number",)),
        Call("after-raise", abs, (-5,)),
    ]
    outcomes = {o.key: o for o in pool.run(calls)}
    assert [outcomes[k].value for k in ("before", "after-crash", "after-hang", "after-raise")] == [2, 3, 4, 5]
    assert outcomes["crash"].code == CRASHED and "crashed (SIGABRT" in (outcomes["crash"].error or "")
    assert outcomes["hang"].code == TIMEOUT and "3 s per-file time limit" in (outcomes["hang"].error or "")
    assert outcomes["raises"].code == RAISED and "ValueError" in (outcomes["raises"].error or "")
    assert pool.restarts == 2  # a raising call keeps its worker


def test_several_workers_return_every_outcome() -> None:
    outcomes = list(IsolatedPool(workers=2, time_limit_s=30).run(Call(i, abs, (-i,)) for i in range(6)))
    assert sorted((o.key, o.value) for o in outcomes) == [(i, i) for i in range(6)]


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="RLIMIT_AS is enforced on Linux")
def test_a_call_over_the_memory_limit_says_so_and_the_worker_is_replaced() -> None:
    pool = IsolatedPool(workers=1, time_limit_s=60, memory_limit_bytes=3 * 1024**3)
    outcomes = {o.key: o for o in pool.run([Call("big", allocate_gib, (4.0,)), Call("small", allocate_gib, (0.25,))])}
    assert outcomes["big"].code == MEMORY
    assert outcomes["big"].error == "needs more memory than the 3,072 MiB limit per worker"
    assert outcomes["small"].value == 1024**3 // 4
    assert pool.restarts == 1


def test_a_killed_worker_ends_its_call_as_a_crash() -> None:
    import threading

    worker = Worker()
    threading.Timer(1.0, worker.kill).start()
    outcome, healthy = worker.run(Call("slow", time.sleep, (60,)), time_limit_s=30)
    assert outcome.code == CRASHED and "SIGKILL" in (outcome.error or "") and not healthy
    worker.close()


def test_a_call_that_cannot_be_sent_or_unpickled_fails_alone() -> None:
    calls = [Call("lambda", lambda: 1), Call("main-only", _MainOnly()), Call("fine", abs, (-1,))]
    outcomes = {o.key: o for o in IsolatedPool(workers=1, time_limit_s=30).run(calls)}
    assert outcomes["lambda"].code == RAISED and "could not be sent" in (outcomes["lambda"].error or "")
    assert outcomes["main-only"].code == RAISED and "ModuleNotFoundError" in (outcomes["main-only"].error or "")
    assert outcomes["fine"].value == 1


class _MainOnly:
    """Pickles by a name the worker cannot import (like a function defined in a script's ``__main__``)."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        import importlib

        return (importlib.import_module, ("veracity_no_such_module",))


def chatty(steps: int) -> int:
    from veracity.engine.isolation import send_progress

    for step in range(steps):
        send_progress(("step", step))
    return steps


def test_progress_from_inside_a_call_reaches_the_caller() -> None:
    seen: list[object] = []
    worker = Worker()
    try:
        outcome, healthy = worker.run(Call("chatty", chatty, (5,)), time_limit_s=30, on_progress=seen.append)
    finally:
        worker.close()
    assert outcome.value == 5 and healthy
    assert seen == [("step", i) for i in range(5)]


def test_a_stuck_call_leaves_every_threads_stack_in_stderr() -> None:
    """``VERACITY_TRACE_STUCK_S``: a call running past it writes where each of the worker's threads is."""
    import subprocess
    import sys

    script = ("from veracity.engine.isolation import Call, Worker\n"
              "import time\n"
              "outcome, _ = Worker().run(Call('slow', time.sleep, (3,)))\n"
              "print('ok' if outcome.ok else outcome.error)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "VERACITY_TRACE_STUCK_S": "0.5"})
    assert run.stdout.strip() == "ok"
    assert "Timeout (0:00:00.500000)!" in run.stderr and 'in _serve' in run.stderr, run.stderr
    quick = subprocess.run([sys.executable, "-c", script.replace("(3,)", "(0,)")], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "VERACITY_TRACE_STUCK_S": "5"})
    assert quick.stdout.strip() == "ok" and "Timeout" not in quick.stderr  # a call that ends in time leaves nothing


def test_workers_run_blas_on_one_thread() -> None:
    """A BLAS thread pool inherited through fork can spin forever in a worker's first threaded matrix product
    (OpenBLAS); workers get none."""
    pytest.importorskip("threadpoolctl")
    from veracity.testing.processes import blas_threads

    outcome, _ = Worker().run(Call("blas", blas_threads), time_limit_s=120)
    assert outcome.ok and len(outcome.value) >= 2, outcome  # numpy's and scipy's own OpenBLAS
    assert set(outcome.value.values()) == {1}, outcome.value
