from __future__ import annotations

from veracity.evidence import AnalyzerResult, Direction, Finding, Status, VerdictLabel
from veracity.fusion import INCONCLUSIVE_BAND, fuse


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
