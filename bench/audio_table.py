"""Audio AUC table from ``veracity bench --category audio --json`` outputs: AASIST alone, voice forensics alone,
the fused verdict; overall and by source (each real source against all fakes, each generator against all reals).

    .venv/bin/python bench/audio_table.py plain.json laundered.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

COLUMNS = {"AASIST": "audio.aasist", "voice forensics": "audio.voice_forensics", "verdict": None}


def _auc(pairs: list[tuple[int, float]]) -> float | None:
    pos = [s for y, s in pairs if y == 1]
    neg = [s for y, s in pairs if y == 0]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _score(item: dict[str, Any], analyzer: str | None) -> float | None:
    if item["error"] is not None:
        return None
    value = item["p_synthetic"] if analyzer is None else item["analyzers"].get(analyzer)
    return None if value is None else float(value)


def _row(items: list[dict[str, Any]]) -> list[str]:
    cells = []
    for analyzer in COLUMNS.values():
        pairs = [(int(i["label"] == "fake"), s) for i in items if (s := _score(i, analyzer)) is not None]
        auc = _auc(pairs)
        cells.append("-" if auc is None else f"{auc:.3f} (n={len(pairs)})")
    return cells


def table(path: Path) -> str:
    items = [i for i in json.loads(path.read_text())["items"] if i["category"] == "audio"]
    real = [i for i in items if i["label"] == "real"]
    fake = [i for i in items if i["label"] == "fake"]
    rows = [("all files", _row(items))]
    for source in sorted({i["source_repo"] for i in real}):
        rows.append((f"real from {source} vs all fakes", _row([i for i in real if i["source_repo"] == source] + fake)))
    for generator in sorted({i["generator"] for i in fake}):
        same = [i for i in fake if i["generator"] == generator]
        rows.append((f"fake by {generator} vs all reals", _row(same + real)))
    config = json.loads(path.read_text())["config"]
    lines = [f"### {path.name} (launder={config['launder']}, profile={config['profile']})", "",
             "| files | " + " | ".join(COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print("\n\n".join(table(Path(p)) for p in sys.argv[1:]))
