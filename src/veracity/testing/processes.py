"""The process tree under a command, read from ``/proc`` (Linux): used by the parent-death test and by the
benchmarks that measure a command's memory or check that nothing outlives it; and what a worker process holds
(``blas_threads``), for the engine's tests."""

from __future__ import annotations

from pathlib import Path


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (not ``root`` itself), parents before their children."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.append(pid)
            stack.extend(children.get(pid, []))
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def blas_threads() -> dict[str, int]:
    """The thread count of every BLAS loaded once numpy and scipy's linear algebra are imported (needs
    threadpoolctl, a test dependency), by library file."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    return {Path(info["filepath"]).name: int(info["num_threads"]) for info in threadpool_info()}
