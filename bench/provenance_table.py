"""Print how each provenance file of a corpus comes out: C2PA status, declared source type, verdict.

Usage: python bench/provenance_table.py CORPUS_DIR [--category provenance] [--analyzers id,id]

Right means: label ``fake`` -> ai_generated; ``real`` -> authentic-leaning (p_synthetic < 0.5, not ai_generated);
``unknown`` -> anything but ai_generated.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--category", default="provenance")
    parser.add_argument("--analyzers", default="", help="comma-separated analyzer ids (default: all)")
    args = parser.parse_args()

    import veracity
    from veracity.evidence import VerdictLabel

    with (args.corpus / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["category"] == args.category]
    selected = [a for a in args.analyzers.split(",") if a] or None
    header = ("file", "label", "c2pa status", "digitalSourceType", "verdict", "p_synthetic", "right")
    lines = [header]
    wrong = 0
    for row in rows:
        report = veracity.check(args.corpus / row["path"], analyzers=selected)
        c2pa = next((r for r in report.results if r.analyzer_id == "provenance.c2pa"), None)
        status, source = "-", "-"
        if c2pa is not None:
            codes = {f.code.rsplit(".", 1)[-1]: f for f in c2pa.findings}
            state = next((f.data.get("state") for f in c2pa.findings if "state" in f.data), None)
            status = str(state or c2pa.status.value)
            manifest = codes.get("manifest")
            types = manifest.data.get("digital_source_types") if manifest else None
            source = ",".join(types) if isinstance(types, list) and types else "-"
            failures = next((f.data.get("failure_codes") for f in c2pa.findings if "failure_codes" in f.data), None)
            if failures and failures != "none":
                status += f" ({failures})"
        meta = next((r for r in report.results if r.analyzer_id == "provenance.metadata"), None)
        if source == "-" and meta is not None:
            declared = [f.data.get("digital_source_type") for f in meta.findings if f.data.get("digital_source_type")]
            source = f"{declared[0]} (XMP)" if declared else "-"
        verdict = report.verdict
        right = {
            "fake": verdict.label is VerdictLabel.AI_GENERATED,
            "real": verdict.label is not VerdictLabel.AI_GENERATED and verdict.p_synthetic < 0.5,
            "unknown": verdict.label is not VerdictLabel.AI_GENERATED,
        }[row["label"]]
        wrong += not right
        name = Path(row["path"]).name.split("__", 2)[-1]
        lines.append((name, row["label"], status, source, verdict.label.value, f"{verdict.p_synthetic:.3f}",
                      "yes" if right else "NO"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    print(f"\n{len(rows) - wrong}/{len(rows)} right")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
