"""The figures every trainer reports, in one place: one AUC, decisions at a band, per-generator tables and the
shortcut checks (does a file property alone separate the classes, and does the score follow it?).

Conventions (as ``veracity.bench.metrics``): label 1 = fake, 0 = real; a figure that can't be computed is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.corpora import Row
from veracity.bench.metrics import midranks, roc_auc

# Shortcut flag: the score follows a file property *within* a class (so not only because the property happens to
# differ between real and fake files) at least this strongly.
SHORTCUT_RHO = 0.4  # |Spearman| for numeric properties
SHORTCUT_ETA2 = 0.25  # share of the score's within-class variance explained by the format
MIN_CLASS_ROWS = 8  # fewer rows of a class (with the property known): no within-class figure
NUMERIC_PROPERTIES = ("bytes", "pixels", "squareness", "fps", "duration_s")
PROPERTIES = ("format", *NUMERIC_PROPERTIES)


@dataclass(frozen=True)
class Band:
    """Decisions from p: ``p >= high`` is called fake, ``p < low`` real, anything between inconclusive."""

    low: float = 0.5
    high: float = 0.5

    def called_fake(self, p: np.ndarray) -> np.ndarray:
        return np.asarray(p, dtype=float) >= self.high

    def inconclusive(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        return (p >= self.low) & (p < self.high)


ANALYZER_BAND = Band()  # an analyzer alone: p >= 0.5 is called fake, nothing is inconclusive


def auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """ROC AUC (``veracity.bench.metrics.roc_auc``: Mann-Whitney, ties count half)."""
    return roc_auc(list(labels), list(scores))


def summary(labels: Sequence[int], p: Sequence[float], band: Band = ANALYZER_BAND) -> dict[str, Any]:
    """n, AUC, real FPR and TPR at the band's upper edge, share inconclusive (all files), as plain numbers."""
    s = np.asarray(p, dtype=float)
    return summary_of_calls(labels, p, band.called_fake(s), band.inconclusive(s))


def summary_of_calls(labels: Sequence[int], p: Sequence[float], called_fake: Sequence[bool] | np.ndarray,
                     inconclusive: Sequence[bool] | np.ndarray) -> dict[str, Any]:
    """``summary`` from decisions already made (e.g. a verdict's label): AUC from ``p``, real FPR and TPR from
    ``called_fake``, the share ``inconclusive``."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(p, dtype=float)
    called, unsure = np.asarray(called_fake, dtype=bool), np.asarray(inconclusive, dtype=bool)
    fake, real = y == 1, y == 0
    return {
        "n": int(y.size), "n_real": int(real.sum()), "n_fake": int(fake.sum()),
        "auc": _round(auc(y.tolist(), s.tolist())),
        "fpr_real": _round(float(called[real].mean())) if real.any() else None,
        "tpr": _round(float(called[fake].mean())) if fake.any() else None,
        "inconclusive": _round(float(unsure.mean())) if y.size else None,
    }


def balanced_log_loss(labels: Sequence[int], p: Sequence[float], eps: float = 1e-6) -> float | None:
    """Mean log-loss (nats) with each class weighing half, p clipped to [eps, 1 - eps]: a constant 0.5 scores
    log 2 whatever the class mix. None unless both classes are present."""
    y = np.asarray(labels, dtype=int)
    q = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    if not (y == 1).any() or not (y == 0).any():
        return None
    return _round(float(-0.5 * (np.log(q[y == 1]).mean() + np.log(1 - q[y == 0]).mean())))


def table(rows: Sequence[Row], scores: Mapping[str, float], band: Band = ANALYZER_BAND,
          by: Callable[[Row], str] = lambda r: r.category) -> dict[str, dict[str, Any]]:
    """``summary`` per group (default: category) and over ``"all"``, for the rows that have a score."""
    scored = [r for r in rows if r.key in scores]
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in scored:
        groups[by(row)].append(row)
    out = {name: summary([r.y for r in members], [scores[r.key] for r in members], band)
           for name, members in sorted(groups.items())}
    out["all"] = summary([r.y for r in scored], [scores[r.key] for r in scored], band)
    return out


def per_generator(rows: Sequence[Row], scores: Mapping[str, float],
                  band: Band = ANALYZER_BAND) -> dict[str, dict[str, Any]]:
    """Per ``category/generator``: each generator's fakes against every real file of the same category."""
    scored = [r for r in rows if r.key in scores]
    reals: dict[str, list[float]] = defaultdict(list)
    fakes: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in scored:
        if row.y:
            fakes[(row.category, row.generator or "?")].append(scores[row.key])
        else:
            reals[row.category].append(scores[row.key])
    out = {}
    for (category, generator), p in sorted(fakes.items()):
        negatives = reals.get(category, [])
        out[f"{category}/{generator}"] = {
            "n_fake": len(p),
            "auc": _round(auc([1] * len(p) + [0] * len(negatives), p + negatives)),
            "tpr": _round(float(np.mean(band.called_fake(np.asarray(p))))),
        }
    return out


# --- shortcut checks ------------------------------------------------------------------------------------------------

def media_properties(path: str | Path) -> dict[str, Any]:
    """The properties a model must not lean on: format (container), bytes, pixel count, squareness (short / long
    side, 1 = square), frame rate and duration (``None`` where the file has none)."""
    from veracity.media.probe import probe

    info = probe(Path(path))
    width, height = info.width or 0, info.height or 0
    return {
        "format": info.container or Path(path).suffix.lower().lstrip("."),
        "bytes": Path(path).stat().st_size,
        "pixels": width * height or None,
        "squareness": round(min(width, height) / max(width, height), 4) if width and height else None,
        "fps": info.fps or None,
        "duration_s": info.duration_s or None,
    }


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float | None:
    """Spearman's rank correlation (midranks for ties); ``None`` with fewer than 3 pairs or a constant side."""
    x, z = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(z) == 0:
        return None
    rx, rz = midranks(x), midranks(z)
    return float(np.corrcoef(rx, rz)[0, 1])


def _eta2(groups: Sequence[str], scores: np.ndarray) -> float | None:
    """Share of the scores' variance explained by the group they belong to (one-way ANOVA's eta squared)."""
    if scores.size < 3 or np.var(scores) == 0 or len(set(groups)) < 2:
        return None
    names = np.asarray(groups)
    between = sum((names == g).sum() * (scores[names == g].mean() - scores.mean()) ** 2 for g in set(groups))
    return float(between / (scores.size * np.var(scores)))


def shortcut_checks(labels: Sequence[int], scores: Sequence[float],
                    properties: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per file property, on the same rows as the score:

    - ``auc_alone``: AUC of the property alone against the label (format: each format's fake share on these rows,
      an in-sample upper bound); far from 0.5 means the data offer the shortcut;
    - ``spearman`` (numeric) with the score over all rows, and ``spearman_real`` / ``spearman_fake`` within each
      class; format: ``eta2_real`` / ``eta2_fake``, the share of the score's within-class variance the format
      explains;
    - ``flagged``: the score follows the property within a class (|Spearman| ≥ ``SHORTCUT_RHO`` or eta² ≥
      ``SHORTCUT_ETA2``, with at least ``MIN_CLASS_ROWS`` rows of that class) — the model has learned it.
    """
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    if len(properties) != y.size or s.size != y.size:
        raise ValueError("labels, scores and properties must have one entry per row")
    out: dict[str, dict[str, Any]] = {}
    for name in PROPERTIES:
        values = [p.get(name) for p in properties]
        known = np.array([v is not None for v in values])
        if not known.any():
            continue
        yk, sk = y[known], s[known]
        vk = [v for v in values if v is not None]
        entry: dict[str, Any] = {"n": int(known.sum())}
        if name == "format":
            share = {f: float(np.mean([t for t, g in zip(yk, vk, strict=True) if g == f])) for f in set(vk)}
            entry["auc_alone"] = _round(auc(yk.tolist(), [share[f] for f in vk]))
            entry["counts"] = {f: {"real": int(sum(1 for t, g in zip(yk, vk, strict=True) if g == f and not t)),
                                   "fake": int(sum(1 for t, g in zip(yk, vk, strict=True) if g == f and t))}
                               for f in sorted(set(vk))}
            strengths = []
            for cls, label in ((0, "real"), (1, "fake")):
                members = yk == cls
                value = (_eta2([g for g, m in zip(vk, members, strict=True) if m], sk[members])
                         if members.sum() >= MIN_CLASS_ROWS else None)
                entry[f"eta2_{label}"] = _round(value)
                strengths.append((value or 0.0) / SHORTCUT_ETA2)
        else:
            numbers = np.asarray(vk, dtype=float)
            entry["auc_alone"] = _round(auc(yk.tolist(), numbers.tolist()))
            entry["spearman"] = _round(spearman(sk, numbers))
            strengths = []
            for cls, label in ((0, "real"), (1, "fake")):
                members = yk == cls
                value = spearman(sk[members], numbers[members]) if members.sum() >= MIN_CLASS_ROWS else None
                entry[f"spearman_{label}"] = _round(value)
                strengths.append(abs(value or 0.0) / SHORTCUT_RHO)
        entry["flagged"] = bool(max(strengths, default=0.0) >= 1.0)
        out[name] = entry
    return out


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)
