"""Model cards (markdown) and their metrics files (JSON), written the same way by every trainer.

A card has a title and sections in a fixed order: what the model is, training data, split, the protocol figures
(``training.protocol.markdown``), sizes and speed, known failures. ``write_card`` takes the sections' text;
``figures_table`` and ``shortcut_table`` render the protocol's numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from training.protocol import VARIANTS

SECTIONS = ("Model", "Training data", "Split", "Protocol figures", "Sizes and speed", "Known failures")


def write_card(path: Path, title: str, sections: Mapping[str, str | Sequence[str]]) -> Path:
    """Write a markdown card: ``# title`` then each section (``SECTIONS`` order first, others after) as ``## name``.
    A section's value is text or a list of lines."""
    order = [s for s in SECTIONS if s in sections] + [s for s in sections if s not in SECTIONS]
    lines = [f"# {title}", ""]
    for name in order:
        body = sections[name]
        lines += [f"## {name}", "", body if isinstance(body, str) else "\n".join(body), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def write_metrics(path: Path, figures: Mapping[str, Any]) -> Path:
    """Write the card's numbers as sorted, indented JSON (one file per model: ``<name>.metrics.json``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table; floats to 2 decimals, ``None`` as a dash."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def figures_table(by_variant: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """One row per category × variant: AUC, real FPR, TPR, share inconclusive, files (real / fake)."""
    rows = []
    categories = sorted({c for cells in by_variant.values() for c in cells if c not in ("all", "by_corpus")})
    for category in [*categories, "all"]:
        for variant in [v for v in VARIANTS if v in by_variant] + [v for v in by_variant if v not in VARIANTS]:
            cell = by_variant[variant].get(category)
            if cell is None:
                continue
            rows.append([category, variant, cell["auc"], cell["fpr_real"], cell["tpr"], cell["inconclusive"],
                         f"{cell['n_real']} / {cell['n_fake']}"])
    return table(["category", "variant", "AUC", "real FPR", "TPR", "inconclusive", "real / fake"], rows)


def shortcut_table(by_category: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """One row per category × property: the property's AUC alone, Spearman with the score (all / real / fake; for
    the format: eta² within real / fake), and whether the score was flagged as following it."""
    rows = []
    for category, checks in by_category.items():
        for name, entry in checks.items():
            if name == "format":
                follow = f"η² {_fmt(entry.get('eta2_real'))} / {_fmt(entry.get('eta2_fake'))}"
                rho = "–"
            else:
                follow = f"{_fmt(entry.get('spearman_real'))} / {_fmt(entry.get('spearman_fake'))}"
                rho = _fmt(entry.get("spearman"))
            rows.append([category, name, entry.get("auc_alone"), rho, follow,
                         "**yes**" if entry.get("flagged") else "no", entry.get("n")])
    return table(["category", "property", "AUC alone", "Spearman (all)", "within real / fake", "flagged", "n"], rows)


# --- the model registry (src/veracity/models/registry.json) ---------------------------------------------------------

MODELS_DIR = Path(__file__).resolve().parents[1] / "src" / "veracity" / "models"


def record_sha256(model_file: Path, *, name: str | None = None, licence: str | None = None, card: str | None = None,
                  summary: str | None = None, registry: Path | None = None) -> str:
    """Write a freshly trained model file's sha256 into the registry entry whose ``path`` is the file's name, so
    ``make train`` leaves the registry matching the files it wrote; return the sha256.

    A file outside ``veracity/models/`` (e.g. ``--out /tmp/x``) leaves the registry alone. A file with no entry
    yet gets one when ``name``, ``licence``, ``card`` and ``summary`` are given; otherwise training stops, so a
    model is never shipped unregistered. Given fields also replace an existing entry's."""
    import hashlib

    digest = hashlib.sha256(Path(model_file).read_bytes()).hexdigest()
    registry = registry or MODELS_DIR / "registry.json"
    if Path(model_file).resolve().parent != registry.resolve().parent:
        return digest
    data = json.loads(registry.read_text(encoding="utf-8"))
    given = {k: v for k, v in (("licence", licence), ("card", card), ("summary", summary)) if v is not None}
    entries = [e for e in data["models"] if e.get("kind") == "shipped" and e.get("path") == Path(model_file).name]
    if len(entries) > 1:
        raise SystemExit(f"{registry}: {len(entries)} entries with path={Path(model_file).name!r}")
    if entries:
        entries[0].update({**given, **({"name": name} if name else {}), "sha256": digest})
    elif name and len(given) == 3:
        if any(e.get("name") == name for e in data["models"]):
            raise SystemExit(f"{registry}: a model named {name!r} already exists with another path")
        data["models"].append({"name": name, "kind": "shipped", "path": Path(model_file).name, "sha256": digest,
                               **given})
    else:
        raise SystemExit(f"no registry entry with path={Path(model_file).name!r} in {registry} (pass name, licence, "
                         "card and summary to add one)")
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if text != registry.read_text(encoding="utf-8"):
        registry.write_text(text, encoding="utf-8")
    return digest


def protocol_figures(analyzer_id: str, rows: Sequence[Any], meta: Mapping[str, Any], baseline: Path | None,
                     seconds: float, before: str) -> tuple[dict[str, Any], str]:
    """A trainer's metrics (design, protocol tables from its score file, training time) and, when the score file of
    the model shipped before (``baseline``) is given, its tables too, with a markdown paragraph naming it ``before``."""
    from training import protocol

    report = protocol.evaluate(protocol.read_scores(analyzer_id), rows, shortcuts=True)
    figures: dict[str, Any] = {"design": dict(meta), "protocol": report, "train_seconds": round(seconds)}
    old = ""
    if baseline is not None and baseline.is_file():
        old_report = protocol.evaluate(protocol.read_scores(baseline), rows)
        figures["before_issue_13"] = old_report
        old = (f"\n**The model shipped before ({before}; commit 37ce896), the same files:**\n\n"
               + figures_table(old_report["unseen"]))
    return figures, old
