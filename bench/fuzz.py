"""Fuzz intake: mutate seed files of every format and run each mutant through the one isolation engine
(``veracity.engine``: per-file time limit, per-worker memory limit, crash = that file's failure).

    nice -n 10 .venv/bin/python bench/fuzz.py --count 10000 --workers 2 --json fuzz.json
    .venv/bin/python bench/fuzz.py --count 200 --seed 1      # the fixed-seed sample CI runs (tests/bench)

Seeds are made in code (``veracity.testing.containers``: 35 container shapes, plus the bundled samples, an
animated GIF and an animated WebP); mutation classes are in ``veracity.testing.mutate``. Each outcome is one of:

- ``verdict``: analysed, a report came back;
- ``refused``: a one-line reason from Veracity (unsupported, damaged, over a limit);
- ``unexpected``: an exception Veracity did not anticipate (a traceback a user would have seen before);
- ``crashed`` / ``timeout`` / ``memory``: the worker died, ran past ``--time-limit-s``, or hit the memory limit.

``--cli N`` also runs the first N mutants through ``veracity check`` and checks the exit code (0 verdict, 3 one
unreadable file) and that no traceback reaches stderr. Mutants live in a temporary folder and are deleted as they
finish. Prints a table per mutation class: inputs, outcomes, worst time, worst peak RSS; exits 1 when any input was
unexpected, crashed or hung.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

BAD = ("unexpected", "crashed", "timeout")


def make_seeds(folder: Path) -> list[Path]:
    from PIL import Image

    from veracity.samples import samples_dir
    from veracity.testing.containers import CONTAINER_CASES, moving_frames

    folder.mkdir(parents=True, exist_ok=True)
    seeds = [build(folder) for build in CONTAINER_CASES.values()]
    for sample in sorted(samples_dir().iterdir()):
        if sample.is_file() and not sample.name.startswith((".", "_")):
            seeds.append(Path(shutil.copy(sample, folder / f"sample_{sample.name}")))
    frames = [Image.fromarray(f) for f in moving_frames(8, 64, 48)]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=80, loop=0)
    frames[0].save(folder / "animated.webp", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return [*seeds, folder / "animated.gif", folder / "animated.webp"]


def plan(seeds: list[Path], count: int, seed: int) -> list[tuple[int, str, Path]]:
    """``count`` (index, mutation class, seed file) triples, classes and seeds taken in turn."""
    from veracity.testing.mutate import MUTATIONS

    rng = np.random.default_rng(seed)
    classes = list(MUTATIONS)
    return [(i, classes[i % len(classes)], seeds[int(rng.integers(0, len(seeds)))]) for i in range(count)]


def mutant(index: int, kind: str, source: Path, seeds: list[Path], folder: Path, seed: int) -> Path:
    from veracity.testing.mutate import MUTATIONS

    rng = np.random.default_rng([seed, index])
    other = seeds[int(rng.integers(0, len(seeds)))].read_bytes()
    data = MUTATIONS[kind](source.read_bytes(), rng, other)
    path = folder / f"{index:06d}_{kind}_{source.name}"  # the extension stays: it must never decide anything
    path.write_bytes(data)
    return path


def classify(outcome: Any) -> tuple[str, str | None, float | None]:
    """(outcome class, reason, peak RSS MiB) of an engine outcome whose value is a TaskResult."""
    from veracity.engine.isolation import CRASHED, MEMORY, TIMEOUT

    if not outcome.ok:
        return {CRASHED: "crashed", TIMEOUT: "timeout", MEMORY: "memory"}.get(outcome.code, "unexpected"), \
            outcome.error, None
    result = outcome.value
    if result.ok:
        return "verdict", None, result.peak_rss_mb
    reason = result.reason or ""
    if reason.startswith("unexpected"):
        return "unexpected", reason, result.peak_rss_mb
    if reason.startswith("needs more memory"):
        return "memory", reason, result.peak_rss_mb
    return "refused", reason, result.peak_rss_mb


def analyzer_errors(outcome: Any) -> list[str]:
    """Analyzers that raised inside a report that did come back (recorded, not fatal)."""
    if not outcome.ok or not outcome.value.report_json:
        return []
    report = json.loads(outcome.value.report_json)
    return [f"{r['analyzer_id']}: {r.get('reason')}" for r in report["results"] if r["status"] == "error"]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from veracity.config import Profile, Settings
    from veracity.engine.isolation import Call, IsolatedPool
    from veracity.engine.task import Task, run_task

    work = Path(tempfile.mkdtemp(prefix="veracity-fuzz-"))
    try:
        seeds = make_seeds(work / "seeds")
        todo = plan(seeds, args.count, args.seed)
        only = {int(i) for i in args.only.split(",") if i} if args.only else None
        classes = {c for c in args.classes.split(",") if c}
        settings = Settings(profile=Profile(args.profile), file_timeout_s=args.time_limit_s,
                            worker_memory_mb=args.memory_mb, analyzer_timeout_s=args.time_limit_s)
        settings_json = settings.to_json()
        analyzer_ids = tuple(a for a in args.analyzers.split(",") if a) if args.analyzers else None
        mutants = work / "mutants"
        mutants.mkdir()
        paths: dict[int, Path] = {}

        def calls():  # type: ignore[no-untyped-def]
            for index, kind, source in todo:
                if (only is not None and index not in only) or (classes and kind not in classes):
                    continue
                if args.max_seconds and time.perf_counter() - started > args.max_seconds:
                    return  # time-boxed: report what ran
                paths[index] = mutant(index, kind, source, seeds, mutants, args.seed)
                yield Call(index, run_task, (Task(str(paths[index]), settings_json, analyzer_ids),))

        per_class: dict[str, Counter[str]] = defaultdict(Counter)
        worst_s: dict[str, float] = defaultdict(float)
        worst_rss: dict[str, float] = defaultdict(float)
        worst_rss_input: dict[str, str] = {}  # which mutant it was (re-run it with --only)
        bad: list[dict[str, Any]] = []
        in_reports: list[dict[str, Any]] = []  # examples of analyzers that raised inside a report that came back
        errors_in_reports: Counter[str] = Counter()
        cli_checked: list[dict[str, Any]] = []
        pool = IsolatedPool(args.workers, time_limit_s=args.time_limit_s,
                            memory_limit_bytes=settings.worker_memory_bytes)
        started = time.perf_counter()
        for done, outcome in enumerate(pool.run(calls()), start=1):
            index = int(outcome.key)
            _, kind, source = todo[index]
            what, reason, rss = classify(outcome)
            per_class[kind][what] += 1
            worst_s[kind] = max(worst_s[kind], outcome.seconds)
            if rss is not None and rss > worst_rss[kind]:
                worst_rss[kind] = rss
                worst_rss_input[kind] = f"#{index} {source.name}"
            for problem in analyzer_errors(outcome):
                errors_in_reports[problem.split(":")[0]] += 1
                if len(in_reports) < 50:
                    in_reports.append({"index": index, "class": kind, "seed": source.name,
                                       "outcome": "analyzer_error", "reason": problem[:300]})
            if what in BAD:  # every one listed and kept: they are what a run is for
                bad.append({"index": index, "class": kind, "seed": source.name, "outcome": what,
                            "reason": (reason or "")[:300]})
                if args.keep_failures:
                    args.keep_failures.mkdir(parents=True, exist_ok=True)
                    shutil.copy(paths[index], args.keep_failures / paths[index].name)
            if index < args.cli:  # the first N of the plan
                cli_checked.append(cli_check(paths[index]))
            paths.pop(index).unlink(missing_ok=True)
            if args.progress and done % args.progress == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {done}/{len(todo)} ({rate:.1f}/s)", file=sys.stderr, flush=True)
        wall_s = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    totals: Counter[str] = Counter()
    for counts in per_class.values():
        totals.update(counts)
    return {
        "config": {"count": args.count, "max_seconds": args.max_seconds, "seed": args.seed, "workers": args.workers,
                   "profile": args.profile, "classes": args.classes, "only": args.only,
                   "analyzers": args.analyzers, "time_limit_s": args.time_limit_s, "memory_mb": args.memory_mb,
                   "seeds": len(seeds)},
        "per_class": {k: {"inputs": sum(c.values()), **dict(c), "worst_s": round(worst_s[k], 2),
                          "worst_rss_mb": round(worst_rss[k], 1), "worst_rss_input": worst_rss_input.get(k)}
                      for k, c in sorted(per_class.items())},
        "totals": {"inputs": sum(totals.values()), **dict(totals), "worst_s": round(max(worst_s.values()), 2),
                   "worst_rss_mb": round(max(worst_rss.values(), default=0.0), 1),
                   "wall_s": round(wall_s, 1), "worker_restarts": pool.restarts},
        "analyzer_errors": dict(errors_in_reports),
        "cli": cli_checked,
        "failures": bad,
        "analyzer_error_examples": in_reports,
    }


def cli_check(path: Path) -> dict[str, Any]:
    """``veracity check`` on one mutant: exit 0 (verdict) or 3 (one unreadable file), no traceback."""
    run = subprocess.run([sys.executable, "-m", "veracity", "check", str(path), "--profile", "fast", "-q"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    return {"file": path.name, "exit": run.returncode, "traceback": "Traceback" in run.stderr,
            "ok": run.returncode in (0, 3) and "Traceback" not in run.stderr, "stderr": run.stderr[-300:]}


def print_table(result: dict[str, Any]) -> None:
    columns = ("inputs", "verdict", "refused", "unexpected", "crashed", "timeout", "memory", "worst_s", "worst_rss_mb")
    print(f"{'class':<12}" + "".join(f"{c:>13}" for c in columns))
    for kind, row in [*result["per_class"].items(), ("TOTAL", result["totals"])]:
        print(f"{kind:<12}" + "".join(f"{row.get(c, 0):>13}" for c in columns))
    totals = result["totals"]
    print(f"wall {totals['wall_s']} s, {totals['inputs'] / max(totals['wall_s'], 1e-9):.1f} inputs/s, "
          f"worker restarts {totals['worker_restarts']}")
    if result["analyzer_errors"]:
        print("analyzer errors inside reports:", result["analyzer_errors"])
    if result["cli"]:
        wrong = [c for c in result["cli"] if not c["ok"]]
        print(f"veracity check: {len(result['cli'])} mutants, {len(wrong)} with a wrong exit code or a traceback")
    for failure in result["failures"][:20]:
        print(f"  {failure['outcome']}: #{failure['index']} {failure['class']} of {failure['seed']}: "
              f"{failure['reason']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--analyzers", default="", help="comma-separated ids (default: the profile's)")
    parser.add_argument("--time-limit-s", type=float, default=60.0)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--cli", type=int, default=0, help="also run the first N mutants through veracity check")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep-failures", type=Path, default=None, help="copy bad mutants here")
    parser.add_argument("--progress", type=int, default=0, help="print progress every N inputs")
    parser.add_argument("--classes", default="", help="comma-separated mutation classes: run just these")
    parser.add_argument("--only", default="", help="comma-separated mutant indices: re-run just these (same plan)")
    parser.add_argument("--max-seconds", type=float, default=0.0, help="stop starting new inputs after this")
    args = parser.parse_args()
    result = run(args)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    totals = result["totals"]
    wrong_cli = [c for c in result["cli"] if not c["ok"]]
    return 1 if any(totals.get(k, 0) for k in BAD) or wrong_cli else 0


if __name__ == "__main__":
    sys.exit(main())
