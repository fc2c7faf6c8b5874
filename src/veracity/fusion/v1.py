"""Fusion v1: a calibrated model trained on analyzer outputs (``training/train_fusion.py``, card
``models/fusion_v1.md``).

1. Decisive findings settle the verdict: a file that declares AI generation (C2PA, generator metadata) or carries
   a decoded generator watermark is labelled AI-made whatever the pixel detectors say.
2. Otherwise, per media kind, a logistic model adds ``weight × logit(p)`` of each analyzer it was trained on to its
   intercept; weights and intercept already include the Platt scaling fitted on held-out sources, so the result is
   a calibrated probability under even prior odds. Analyzers the model does not know (plug-ins, rare provenance
   results) add ``fusion_weight × logit(p)`` as their authors declared. Probabilities are clipped to [0.02, 0.98]
   before the logit so no single soft signal can dominate.
3. Probabilities inside the kind's inconclusive band are labelled *inconclusive*: the band was chosen on held-out
   sources so that outside it real files stay under 5 % false positives and nine in ten calls are right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from veracity.evidence import (
    AnalyzerResult,
    Contribution,
    Direction,
    Finding,
    MediaInfo,
    MediaKind,
    Status,
    Verdict,
    VerdictLabel,
)
from veracity.fusion import _explain

MODEL_FILE = Path(__file__).parents[1] / "models" / "fusion_v1.json"
INCONCLUSIVE_BAND = (0.35, 0.65)  # for kinds the model has not been trained on
METHOD = "calibrated_logistic_v1"


@dataclass(frozen=True)
class KindModel:
    intercept: float
    weights: Mapping[str, float]
    band: tuple[float, float]
    p_clip: float


@cache
def trained_models(path: Path = MODEL_FILE) -> dict[str, KindModel]:
    spec = json.loads(path.read_text(encoding="utf-8"))
    return {
        kind: KindModel(intercept=m["intercept"], weights=m["weights"], band=(m["band"][0], m["band"][1]),
                        p_clip=spec["p_clip"])
        for kind, m in spec["kinds"].items()
    }


def _untrained() -> KindModel:
    return KindModel(intercept=0.0, weights={}, band=INCONCLUSIVE_BAND, p_clip=0.02)


def _logit(p: float, clip: float) -> float:
    p = min(max(p, clip), 1 - clip)
    return math.log(p / (1 - p))


def model_for(models: Mapping[str, KindModel], key: str, media_kind: str) -> tuple[KindModel, str]:
    """The model that judges a file: its ``model_key``'s, else its media kind's, else the untrained default."""
    if key in models:
        return models[key], key
    if media_kind in models:
        return models[media_kind], media_kind
    return _untrained(), ""


def contribution_log_odds(model: KindModel, analyzer_id: str, p: float) -> tuple[float, float]:
    """An analyzer's weight in ``model`` (its declared ``fusion_weight`` where the model does not list it) and the
    log-odds it adds for probability ``p``."""
    weight = model.weights.get(analyzer_id)
    if weight is None:
        weight = _declared_weight(analyzer_id)
    return weight, round(weight * _logit(p, model.p_clip), 4)


def _declared_weight(analyzer_id: str) -> float:
    from veracity.analyzers import registry

    cls = registry.available().get(analyzer_id)
    return cls.info.fusion_weight if cls else 1.0


def _decisive(results: Sequence[AnalyzerResult]) -> tuple[AnalyzerResult, Finding] | None:
    candidates = [
        (r, f) for r in results if r.status is Status.OK for f in r.findings if f.decisive
    ]
    # Declared or embedded AI origin outranks any authentic-leaning declaration.
    candidates.sort(key=lambda rf: (rf[1].direction is not Direction.SYNTHETIC, -rf[1].strength))
    return candidates[0] if candidates else None


def model_key(media_kind: str, judged_by: Collection[str]) -> str:
    """Which trained model judges a file: its media kind, split by whether an analyzer that declares ``face``
    evidence judged it."""
    return f"{media_kind}+face" if any("face" in _explain.evidence_of(a) for a in judged_by) else media_kind


def fuse(
    results: Sequence[AnalyzerResult],
    media_kind: MediaKind | None = None,
    *,
    media: MediaInfo | None = None,
    skipped: Sequence[str] = (),
) -> Verdict:
    """One verdict from the analyzers' results. ``prior_log_odds + Σ contributions.log_odds == log_odds`` and
    ``p_synthetic = 1 / (1 + e^-log_odds)`` (rounded to 4 places), so a report can show the sum it rests on.

    ``media`` and ``skipped`` (analyzer ids the profile left out) only feed the words: what was missing.
    """
    judged_by = [r.analyzer_id for r in results if r.status is Status.OK and r.p_synthetic is not None]
    models = trained_models()
    kind = media_kind.value if media_kind else ""
    key = model_key(kind, judged_by)
    model, key = model_for(models, key, kind)
    band = model.band
    judged_as = _explain.JUDGED_AS.get(key, "files of this kind")
    decisive = _decisive(results)
    if decisive is not None:
        result, finding = decisive
        synthetic = finding.direction is Direction.SYNTHETIC
        p = round(0.5 + 0.49 * finding.strength if synthetic else 0.5 - 0.49 * finding.strength, 4)
        log_odds = math.log(p / (1 - p))
        contribution = Contribution(
            analyzer_id=result.analyzer_id, p_synthetic=result.p_synthetic, weight=1.0, log_odds=log_odds,
            decisive=True, name=_explain.plain_name(result.analyzer_id), reason=finding.message,
            finding_code=finding.code,
        )
        return Verdict(
            label=VerdictLabel.AI_GENERATED if synthetic else VerdictLabel.AUTHENTIC,
            p_synthetic=p, inconclusive_band=band, method=f"decisive:{finding.code}",
            explanation=f"Settled by one finding that outweighs everything else: {finding.message}",
            log_odds=log_odds, judged_as=judged_as, contributions=(contribution,),
            missing=_explain.missing(results, media, media_kind, skipped),
            evidence=_explain.order_evidence(results, (contribution,)),
        )
    contributions = []
    for r in results:
        if r.status is not Status.OK or r.p_synthetic is None:
            continue
        weight, log_odds = contribution_log_odds(model, r.analyzer_id, r.p_synthetic)
        contributions.append(_explain.describe(results, Contribution(
            analyzer_id=r.analyzer_id, p_synthetic=r.p_synthetic, weight=weight, log_odds=log_odds,
        )))
    contributions.sort(key=lambda c: (-abs(c.log_odds), c.analyzer_id))
    missing = _explain.missing(results, media, media_kind, skipped)
    settle = _explain.would_settle(results, media, media_kind)
    if not contributions:
        return Verdict(
            label=VerdictLabel.INCONCLUSIVE, p_synthetic=0.5, inconclusive_band=band, method="no_evidence",
            explanation="No check could judge this file, so there is no evidence either way.",
            judged_as=judged_as, missing=missing, would_settle=settle,
            evidence=_explain.order_evidence(results, ()),
        )
    prior = round(model.intercept, 4)
    log_odds = prior + math.fsum(c.log_odds for c in contributions)
    p = 1 / (1 + math.exp(-log_odds))
    low, high = band
    label = (
        VerdictLabel.AI_GENERATED if p >= high else VerdictLabel.AUTHENTIC if p <= low else VerdictLabel.INCONCLUSIVE
    )
    return Verdict(
        label=label, p_synthetic=round(p, 4), inconclusive_band=band, method=METHOD,
        prior_log_odds=prior, log_odds=log_odds, judged_as=judged_as,
        explanation=_headline(label, contributions, p, band, judged_as),
        contributions=tuple(contributions), missing=missing, would_settle=settle,
        evidence=_explain.order_evidence(results, contributions),
    )


def _headline(label: VerdictLabel, contributions: Sequence[Contribution], p: float, band: tuple[float, float],
              judged_as: str) -> str:
    weighed = [c for c in contributions if abs(c.log_odds) >= _explain.ZERO]
    leader = weighed[0] if weighed else None
    most = f" Weighing most: {_explain.in_sentence(leader.name)}" + (
        f" ({leader.reason.rstrip('.')})." if leader.reason else ".") if leader else ""
    if label is VerdictLabel.AI_GENERATED:
        return "The combined evidence points to AI generation or manipulation." + most
    if label is VerdictLabel.AUTHENTIC:
        return "No sign of AI generation or manipulation was found." + most
    towards_ai = sum(1 for c in weighed if c.log_odds > 0)
    towards_real = len(weighed) - towards_ai
    low, high = band
    if not weighed:
        return (f"No check weighed either way: the model for {judged_as} gives no weight to the "
                f"{len(contributions)} check(s) that gave a score, so the probability stays at the model's starting "
                f"point, {p:.0%}, inside the {low:.0%}–{high:.0%} band where {judged_as} are called inconclusive.")
    return (f"The evidence is too weak or too mixed to call: {towards_ai} check(s) pulled towards AI and "
            f"{towards_real} towards a real capture, landing at {p:.0%}, inside the {low:.0%}–{high:.0%} band where "
            f"{judged_as} are called inconclusive.")
