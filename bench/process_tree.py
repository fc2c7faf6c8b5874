"""Peak memory and CPU of a command and everything under it.

`veracity check` analyses a file in an engine worker, a child of the fork server rather than of the command, so
``wait4`` of the command misses it. ``run_watched`` samples every process below the command while it runs.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from veracity.testing.processes import descendants


@dataclass(frozen=True)
class Watched:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    peak_rss_mb: float  # the largest VmHWM of any one process in the tree
    cpu_s: float  # user + system seconds summed over the tree


def _hwm_and_cpu(pid: int) -> tuple[float, float]:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    hwm = next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0.0)
    return hwm, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_watched(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                timeout_s: float = 1800, interval_s: float = 0.1) -> Watched:
    """Run ``command`` to its end (killed past ``timeout_s``), sampling the tree every ``interval_s``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    peak, cpu = 0.0, {}
    deadline = time.monotonic() + timeout_s
    while process.poll() is None and time.monotonic() < deadline:
        for pid in [process.pid, *descendants(process.pid)]:
            hwm, seconds = _hwm_and_cpu(pid)
            peak = max(peak, hwm)
            cpu[pid] = max(cpu.get(pid, 0.0), seconds)
        time.sleep(interval_s)
    if process.poll() is None:
        process.kill()
    out, err = process.communicate()
    return Watched(process.returncode, out, err, time.perf_counter() - started, peak, sum(cpu.values()))
