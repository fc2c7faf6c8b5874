"""Fusion v0: hand-set weights, to be replaced by a calibrated model trained on analyzer outputs.

1. Decisive findings settle the verdict: a file that declares AI generation (C2PA, generator metadata) or carries
   a decoded generator watermark is labelled AI-made whatever the pixel detectors say.
2. Otherwise each OK result with a ``p_synthetic`` adds ``weight × logit(p)`` to the log-odds (prior 0, i.e. 50%).
   Weights below 1 discount analyzers that overlap; probabilities are clipped to [0.02, 0.98] so no single
   soft signal can dominate.
3. Probabilities inside the inconclusive band are labelled *inconclusive*: the evidence is too weak to say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from veracity.evidence import AnalyzerResult, Contribution, Direction, Finding, Status, Verdict, VerdictLabel

INCONCLUSIVE_BAND = (0.35, 0.65)
_P_CLIP = 0.02


def _logit(p: float) -> float:
    p = min(max(p, _P_CLIP), 1 - _P_CLIP)
    return math.log(p / (1 - p))


def _weight(analyzer_id: str) -> float:
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


def fuse(results: Sequence[AnalyzerResult], band: tuple[float, float] = INCONCLUSIVE_BAND) -> Verdict:
    decisive = _decisive(results)
    if decisive is not None:
        result, finding = decisive
        synthetic = finding.direction is Direction.SYNTHETIC
        p = 0.5 + 0.49 * finding.strength if synthetic else 0.5 - 0.49 * finding.strength
        return Verdict(
            label=VerdictLabel.AI_GENERATED if synthetic else VerdictLabel.AUTHENTIC,
            p_synthetic=round(p, 4),
            inconclusive_band=band,
            method=f"decisive:{finding.code}",
            explanation=finding.message,
            contributions=(Contribution(
                analyzer_id=result.analyzer_id, p_synthetic=result.p_synthetic, weight=1.0,
                log_odds=round(_logit(p), 4), decisive=True,
            ),),
        )
    contributions = []
    for r in results:
        if r.status is not Status.OK or r.p_synthetic is None:
            continue
        weight = _weight(r.analyzer_id)
        contributions.append(Contribution(
            analyzer_id=r.analyzer_id, p_synthetic=r.p_synthetic, weight=weight,
            log_odds=round(weight * _logit(r.p_synthetic), 4),
        ))
    if not contributions:
        return Verdict(
            label=VerdictLabel.INCONCLUSIVE, p_synthetic=0.5, inconclusive_band=band, method="no_evidence",
            explanation="No analyzer could judge this file, so there is no evidence either way.",
        )
    log_odds = sum(c.log_odds for c in contributions)
    p = 1 / (1 + math.exp(-log_odds))
    low, high = band
    label = (
        VerdictLabel.AI_GENERATED if p >= high else VerdictLabel.AUTHENTIC if p <= low else VerdictLabel.INCONCLUSIVE
    )
    leader = max(contributions, key=lambda c: abs(c.log_odds))
    explanation = {
        VerdictLabel.AI_GENERATED: f"The combined evidence points to AI generation or manipulation; "
        f"{leader.analyzer_id} weighs most.",
        VerdictLabel.AUTHENTIC: f"No sign of manipulation was found; {leader.analyzer_id} weighs most.",
        VerdictLabel.INCONCLUSIVE: "The evidence is too weak or too mixed to say either way.",
    }[label]
    return Verdict(
        label=label, p_synthetic=round(p, 4), inconclusive_band=band, method="weighted_log_odds_v0",
        explanation=explanation, contributions=tuple(contributions),
    )
