from __future__ import annotations

from veracity.evidence import AnalyzerResult, Direction, Finding, MediaKind, Status, VerdictLabel
from veracity.fusion import INCONCLUSIVE_BAND, METHOD, fuse
from veracity.fusion.v1 import trained_models


def _result(analyzer_id: str, p: float | None, status: Status = Status.OK, findings=()) -> AnalyzerResult:
    return AnalyzerResult(analyzer_id=analyzer_id, analyzer_version="1", status=status, p_synthetic=p,
                          findings=tuple(findings))


def test_no_evidence_is_inconclusive() -> None:
    verdict = fuse([_result("a", None, Status.NOT_APPLICABLE), _result("b", 0.99, Status.ERROR)])
    assert verdict.label is VerdictLabel.INCONCLUSIVE and verdict.p_synthetic == 0.5


def test_agreeing_evidence_moves_the_probability_further_than_either_alone() -> None:
    one = fuse([_result("x", 0.8)])
    two = fuse([_result("x", 0.8), _result("y", 0.8)])
    assert two.p_synthetic > one.p_synthetic > 0.5
    assert two.label is VerdictLabel.AI_GENERATED


def test_weak_or_mixed_evidence_falls_in_the_inconclusive_band() -> None:
    verdict = fuse([_result("x", 0.8), _result("y", 0.2)])
    low, high = INCONCLUSIVE_BAND
    assert low < verdict.p_synthetic < high and verdict.label is VerdictLabel.INCONCLUSIVE


def test_decisive_synthetic_finding_overrides_soft_evidence() -> None:
    declared = Finding(code="provenance.test.ai", message="declares AI", direction=Direction.SYNTHETIC,
                       strength=1.0, decisive=True)
    authentic = Finding(code="provenance.test.camera", message="camera", direction=Direction.AUTHENTIC,
                        strength=0.9, decisive=True)
    verdict = fuse([_result("x", 0.02), _result("meta", None, findings=[authentic]),
                    _result("c2pa", None, findings=[declared])])
    assert verdict.label is VerdictLabel.AI_GENERATED and verdict.p_synthetic > 0.95
    assert verdict.method == "decisive:provenance.test.ai"


def test_trained_kind_model_weighs_known_analyzers_and_declares_its_band() -> None:
    model = trained_models()["image"]
    weighted = max(model.weights, key=lambda name: model.weights[name])
    assert model.weights[weighted] > 0
    low = fuse([_result(weighted, 0.1)], MediaKind.IMAGE)
    high = fuse([_result(weighted, 0.9)], MediaKind.IMAGE)
    assert high.p_synthetic > low.p_synthetic
    assert high.inconclusive_band == model.band and high.method == METHOD
    assert high.prior_log_odds == round(model.intercept, 4)
    assert high.contributions[0].weight == model.weights[weighted]


def test_unknown_analyzers_use_their_declared_weight_under_a_trained_model() -> None:
    known = trained_models()["image"]
    plugin = "plugin.not_in_the_model"
    assert plugin not in known.weights
    alone = fuse([_result(plugin, 0.9)], MediaKind.IMAGE)
    assert alone.contributions[0].weight == 1.0  # not registered: the plug-in default
    assert alone.p_synthetic > fuse([_result(plugin, 0.5)], MediaKind.IMAGE).p_synthetic


def test_every_shipped_band_brackets_one_half() -> None:
    for model in trained_models().values():
        low, high = model.band
        assert 0 < low <= 0.5 <= high < 1
        assert all(weight >= 0 for weight in model.weights.values())
