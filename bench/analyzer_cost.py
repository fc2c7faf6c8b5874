"""Where one file's analysis time goes: each analyzer's ``load()`` and ``analyze()`` CPU and wall seconds, run one
after another in this process (no thread contention), first cold (imports, model sessions, detector graphs) and
then warm (a second file-sized pass with the loaded analyzers, as `scan`, `bench` and `serve` workers run), with
the shared context work (decodes, face tracks, trunk features) each analyzer was the first to ask for.

    .venv/bin/python bench/analyzer_cost.py FILE [--profile default] [--rounds 2]

Wall seconds on a busy machine mostly measure the others; CPU seconds (this process, all its threads) are the
steadier figure. Shared work is charged to the first analyzer that asks; in a real run the others wait for it.
Video passes decode in threads of their own, so their CPU shows up in the analyzer that waited for them.
"""

from __future__ import annotations

import argparse
import resource
import time
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    started, cpu_started = time.perf_counter(), time.process_time()
    from veracity.analyzers import registry
    from veracity.analyzers.base import AnalysisContext, Analyzer
    from veracity.config import Profile, Settings
    from veracity.media.probe import probe

    print(f"import: wall {time.perf_counter() - started:.2f} s, CPU {time.process_time() - cpu_started:.2f} s")
    settings = Settings(profile=Profile(args.profile))
    shared: dict[str, tuple[float, float]] = {}
    original = AnalysisContext.cached

    def timed_cached(self: AnalysisContext, key: str, compute: Any) -> Any:
        def timed() -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            value = compute()
            shared[key] = (time.perf_counter() - wall, time.process_time() - cpu)
            return value

        return original(self, key, timed)

    AnalysisContext.cached = timed_cached  # type: ignore[method-assign]
    loaded: dict[str, Analyzer] = {}
    for round_ in range(args.rounds):
        shared.clear()
        media = probe(args.file, settings.limits)
        planned = [c for c in registry.for_profile(settings.profile, None) if media.kind in c.info.media_kinds
                   and c.info.missing(settings.model_dir) is None]
        ctx = AnalysisContext(media=media, settings=settings,
                              expected=frozenset().union(*(c.info.shares for c in planned)))
        rows = []
        for cls in planned:
            load_wall = load_cpu = 0.0
            if cls.info.id not in loaded:
                wall, cpu = time.perf_counter(), time.process_time()
                analyzer = cls()
                analyzer.load()
                loaded[cls.info.id] = analyzer
                load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
            before = set(shared)
            wall, cpu = time.perf_counter(), time.process_time()
            result = loaded[cls.info.id].analyze(media, ctx)
            rows.append((cls.info.id, load_wall, load_cpu, time.perf_counter() - wall, time.process_time() - cpu,
                         result.status.value, {k: v for k, v in shared.items() if k not in before}))
        ctx.close()
        label = "cold" if round_ == 0 else "warm"
        print(f"[{label}] load CPU {sum(r[2] for r in rows):.2f} s, analyze CPU {sum(r[4] for r in rows):.2f} s "
              f"(wall {sum(r[3] for r in rows):.2f} s)")
        for name, lw, lc, aw, ac, status, new in sorted(rows, key=lambda r: -r[4]):
            first = ", ".join(f"{k} {v[1]:.2f}" for k, v in new.items() if v[1] >= 0.02)
            print(f"  {name:30s} load {lc:5.2f} CPU ({lw:5.2f} wall)  analyze {ac:5.2f} CPU ({aw:5.2f} wall)  "
                  f"{status:14s} {first}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
