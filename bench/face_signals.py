"""Per-signal AUCs of the face analyzers on a corpus' face_video files (plain and laundered).

    .venv/bin/python bench/face_signals.py ../shared/corpus [--launder] [--json out.json]

Each face analyzer that judges a file contributes its ``p_synthetic``; an analyzer that abstains on a file leaves it
out of that signal's AUC (its coverage says how often it judged). "face (fused)" combines the face analyzers with
the fusion alone (abstained signals add nothing, a file with none gets 0.5).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

FACE_ANALYZERS = ("face.blending", "face.landmark_jitter", "face.head_pose", "face.blink", "face.lip_sync",
                  "face.pulse", "face.identity_drift")


def auc(scores: list[float], labels: list[int]) -> float | None:
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--launder", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    from veracity.fusion import fuse
    from veracity.scanner import Scanner

    rows = [r for r in csv.DictReader((args.corpus / "MANIFEST.csv").open()) if r["category"] == "face_video"]
    rows = rows[: args.limit] if args.limit else rows
    scanner = Scanner(analyzer_ids=FACE_ANALYZERS)
    items = []
    for row in rows:
        path = args.corpus / row["path"]
        if args.launder:
            from veracity.media.damage import launder

            path = launder(path)
        started = time.perf_counter()
        report = scanner.check(path)
        fused = fuse(report.results, report.media.kind)
        item = {"path": row["path"], "label": row["label"], "method": row["method"],
                "seconds": round(time.perf_counter() - started, 2), "fused": fused.p_synthetic}
        for result in report.results:
            finding = result.findings[0] if result.findings else None
            item[result.analyzer_id] = {
                "status": result.status.value, "p": result.p_synthetic, "reason": result.reason,
                "data": {k: v for k, v in (finding.data if finding else {}).items() if not k.startswith("curve")},
            }
        items.append(item)
        print(f"{row['label']:4} {item['seconds']:6.1f}s fused={item['fused']:.2f} {row['path']}", file=sys.stderr)
    labels_all = [1 if i["label"] == "fake" else 0 for i in items]
    summary = {"files": len(items), "laundered": args.launder,
               "face (fused)": {"auc": auc([i["fused"] for i in items], labels_all), "judged": len(items)}}
    for analyzer in FACE_ANALYZERS:
        judged = [i for i in items if i[analyzer]["status"] == "ok"]
        summary[analyzer] = {
            "auc": auc([i[analyzer]["p"] for i in judged], [1 if i["label"] == "fake" else 0 for i in judged]),
            "judged": len(judged), "judged_fake": sum(i["label"] == "fake" for i in judged),
        }
    for name, value in summary.items():
        if isinstance(value, dict):
            auc_text = "n/a" if value["auc"] is None else f"{value['auc']:.3f}"
            print(f"{name:22} AUC {auc_text:>6}  judged {value['judged']}/{len(items)}")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "items": items}, indent=1))


if __name__ == "__main__":
    main()
