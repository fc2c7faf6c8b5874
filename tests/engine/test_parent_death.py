"""SIGKILL of ``veracity scan`` leaves no process behind: its fork server, workers and resource tracker go too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from veracity.samples import samples_dir

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
REPO = Path(__file__).resolve().parents[2]


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_of_scan_leaves_no_process_behind(tmp_path: Path) -> None:
    photo = (samples_dir() / "camera_photo.jpg").read_bytes()
    for i in range(3):
        (tmp_path / f"sleep{i}.jpg").write_bytes(photo + bytes([i]))
    scan = subprocess.Popen(
        [sys.executable, "-m", "veracity", "scan", str(tmp_path), "--store", str(tmp_path / "s.sqlite"), "--workers",
         "2", "--analyzers", "tests.batch.fakes:SleepyAnalyzer", "--no-index", "-q"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        tree: set[int] = set()
        while time.monotonic() < deadline and scan.poll() is None:
            tree = descendants(scan.pid)
            if len(tree - set(_children(scan.pid))) >= 2 or len(tree) >= 4:  # two workers under a fork server
                break
            time.sleep(0.5)
        assert scan.poll() is None and len(tree) >= 3, "the scan should be running its workers"
        time.sleep(2.0)  # the workers are in their hanging analyzer now
        tree |= descendants(scan.pid)
        os.kill(scan.pid, signal.SIGKILL)
        scan.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in tree):
            time.sleep(0.2)
        assert not [p for p in tree if alive(p)], [(p, _cmdline(p)) for p in tree if alive(p)]
    finally:
        if scan.poll() is None:
            scan.kill()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
