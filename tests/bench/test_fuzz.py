"""The fixed-seed fuzz sample CI runs: 210 mutants of every seed format (7 mutation classes) through the one
engine, and a few through ``veracity check``; no input may crash a worker, hang, or end in an unexpected error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_fixed_seed_fuzz_sample_has_no_crash_hang_or_unexpected_error(tmp_path: Path) -> None:
    out = tmp_path / "fuzz.json"
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "fuzz.py"), "--count", "210", "--seed", "1", "--workers", "2",
         "--time-limit-s", "60", "--cli", "4", "--json", str(out)],
        capture_output=True, text=True, timeout=600, cwd=REPO, env={**os.environ, "COLUMNS": "200"})
    result = json.loads(out.read_text())
    totals = result["totals"]
    assert totals["inputs"] == 210
    assert {k: totals.get(k, 0) for k in ("unexpected", "crashed", "timeout")} == {
        "unexpected": 0, "crashed": 0, "timeout": 0}, result["failures"][:5]
    assert set(result["per_class"]) == {"byte_flip", "truncate", "header", "dimensions", "rates", "metadata",
                                        "polyglot"}
    assert all(row["inputs"] == 30 for row in result["per_class"].values())
    assert totals.get("verdict", 0) > 0 and totals.get("refused", 0) > 0  # the mutants reach both outcomes
    assert len(result["cli"]) == 4 and all(c["ok"] for c in result["cli"]), result["cli"]
    assert run.returncode == 0, run.stdout[-2000:]
