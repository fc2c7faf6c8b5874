"""Ray as the distributed engine: each file is a Ray task running the same task function as the local
engine (``veracity.engine.task.run_task``).

Ray is imported only here, and only when a scan asks for it (extra ``cluster``). Results stream back to the
coordinating process with ``ray.wait`` and go into its store, so a cluster scan resumes like a local one.
Workers read files by path: on a cluster every node must see the same paths (a shared or mounted filesystem).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from veracity.engine.task import Task, TaskResult, run_task
from veracity.errors import MissingExtra

LOCAL = "local"


def _ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no telemetry unless the user turns it on
    try:
        import ray
    except ImportError as exc:
        raise MissingExtra("--ray needs Ray: pip install 'veracity[cluster]'") from exc
    return ray


def connect(address: str | None, *, num_cpus: int | None = None) -> Any:
    """Join the cluster at ``address`` (``auto``, ``host:6379``, ``ray://host:10001``); ``None`` uses
    ``RAY_ADDRESS`` when set and otherwise starts a local Ray; ``local`` always starts one."""
    import logging

    ray = _ray()
    if ray.is_initialized():
        return ray
    if address in (None, LOCAL) and (address == LOCAL or not os.environ.get("RAY_ADDRESS")):
        ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                 logging_level=logging.WARNING, log_to_driver=False)
    else:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    return ray


def run_ray(jobs: Sequence[Task], address: str | None = None, *,
            num_cpus: int | None = None) -> Iterator[TaskResult]:
    ray = connect(address, num_cpus=num_cpus)
    task = ray.remote(num_cpus=1, max_retries=1)(run_task)
    window = max(4, 2 * int(ray.cluster_resources().get("CPU", 1)))
    pending = list(reversed(jobs))
    in_flight: dict[Any, Task] = {}
    while pending or in_flight:
        while pending and len(in_flight) < window:
            job = pending.pop()
            in_flight[task.remote(job)] = job
        ready, _ = ray.wait(list(in_flight), num_returns=1)
        for ref in ready:
            job = in_flight.pop(ref)
            try:
                yield ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - a crashed or lost task fails this file only
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                yield TaskResult(job.path, job.sha256, ok=False, reason=f"Ray task failed: {reason}")
