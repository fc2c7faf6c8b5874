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
from veracity.testing.processes import alive, cmdline, descendants

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
REPO = Path(__file__).resolve().parents[2]


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
            tree = set(descendants(scan.pid))
            if len(tree - set(_children(scan.pid))) >= 2 or len(tree) >= 4:  # two workers under a fork server
                break
            time.sleep(0.5)
        assert scan.poll() is None and len(tree) >= 3, "the scan should be running its workers"
        time.sleep(2.0)  # the workers are in their hanging analyzer now
        tree |= set(descendants(scan.pid))
        os.kill(scan.pid, signal.SIGKILL)
        scan.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in tree):
            time.sleep(0.2)
        assert not [p for p in tree if alive(p)], [(p, cmdline(p)) for p in tree if alive(p)]
    finally:
        if scan.poll() is None:
            scan.kill()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
