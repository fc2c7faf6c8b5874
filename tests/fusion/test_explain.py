"""The verdict adds up and explains itself: contributions + intercept = log-odds on every trained model, evidence
ordered by |contribution|, zero-weight findings as context, plain-words reasons, what was missing."""

from __future__ import annotations

import math

import pytest

from veracity.evidence import AnalyzerResult, Direction, Finding, MediaKind, Status, VerdictLabel
from veracity.fusion import fuse
from veracity.fusion._explain import one_line
from veracity.fusion.v1 import trained_models


def _finding(code: str, direction: Direction, strength: float, *, decisive: bool = False) -> Finding:
    return Finding(code=code, message=f"message of {code}", direction=direction, strength=strength,
                   decisive=decisive)


def _result(analyzer_id: str, p: float | None, *findings: Finding, status: Status = Status.OK,
            reason: str | None = None) -> AnalyzerResult:
    return AnalyzerResult(analyzer_id=analyzer_id, analyzer_version="1", status=status, p_synthetic=p,
                          findings=findings, reason=reason)


def _kind(key: str) -> MediaKind:
    return MediaKind(key.split("+")[0])


@pytest.mark.parametrize("key", sorted(trained_models()))
def test_contributions_and_intercept_add_up_to_the_verdict_on_every_model(key: str) -> None:
    model = trained_models()[key]
    scores = [0.93, 0.12, 0.61, 0.47, 0.78, 0.05, 0.33, 0.99, 0.5, 0.7, 0.2, 0.88]
    results = [_result(a, p) for a, p in zip(sorted(model.weights), scores, strict=False)]
    results.append(_result("plugin.outside_the_model", 0.8))
    verdict = fuse(results, _kind(key))

    assert verdict.judged_as and verdict.inconclusive_band == model.band
    assert verdict.prior_log_odds == round(model.intercept, 4)
    assert verdict.prior_log_odds + math.fsum(c.log_odds for c in verdict.contributions) == pytest.approx(
        verdict.log_odds, abs=1e-12)
    assert 1 / (1 + math.exp(-verdict.log_odds)) == pytest.approx(verdict.p_synthetic, abs=5e-5)
    sizes = [abs(c.log_odds) for c in verdict.contributions]
    assert sizes == sorted(sizes, reverse=True)
    assert all(c.name and c.reason for c in verdict.contributions)


def test_a_decisive_finding_is_the_whole_sum() -> None:
    declared = _finding("provenance.c2pa.ai_generated", Direction.SYNTHETIC, 1.0, decisive=True)
    verdict = fuse([_result("learned.ai_image", 0.1), _result("provenance.c2pa", 0.99, declared)], MediaKind.IMAGE)
    assert verdict.label is VerdictLabel.AI_GENERATED
    (only,) = verdict.contributions
    assert only.decisive and only.finding_code == declared.code
    assert verdict.prior_log_odds + only.log_odds == pytest.approx(verdict.log_odds)
    assert 1 / (1 + math.exp(-verdict.log_odds)) == pytest.approx(verdict.p_synthetic, abs=1e-9)
    first = verdict.evidence[0]
    assert (first.analyzer_id, first.context) == ("provenance.c2pa", False)
    # the pixel detector's finding did not weigh against a declaration: context
    assert all(ref.context for ref in verdict.evidence if ref.analyzer_id == "learned.ai_image")


def test_evidence_follows_the_contribution_not_the_finding_strength() -> None:
    # A strong-looking finding from a lightly weighted analyzer must not lead a weaker finding that moved the sum.
    loud = _finding("image.noise_residual.region", Direction.SYNTHETIC, 0.95)
    quiet = _finding("provenance.metadata.editing_software", Direction.SYNTHETIC, 0.2)
    weights = trained_models()["image"].weights
    assert weights["provenance.metadata"] > weights["image.noise_residual"]
    verdict = fuse([_result("image.noise_residual", 0.56, loud), _result("provenance.metadata", 0.9, quiet)],
                   MediaKind.IMAGE)
    assert [c.analyzer_id for c in verdict.contributions] == ["provenance.metadata", "image.noise_residual"]
    assert [(r.analyzer_id, r.context) for r in verdict.evidence] == [
        ("provenance.metadata", False), ("image.noise_residual", False)]
    assert verdict.contributions[0].reason == quiet.message


def test_zero_weight_and_neutral_findings_are_context_after_all_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from veracity.fusion import v1

    models = dict(trained_models())
    zero = "image.copy_move"  # the fitted model decides which weights are zero: set both, whatever it fitted
    models["image+face"] = replace(models["image+face"],
                                   weights={**models["image+face"].weights, zero: 0.0, "face.blending": 0.5})
    monkeypatch.setattr(v1, "trained_models", lambda *args: models)
    loud = _finding(f"{zero}.strong", Direction.SYNTHETIC, 0.99)
    note = _finding("face.blending.note", Direction.NEUTRAL, 0.0)
    weak = _finding("face.blending.seam", Direction.SYNTHETIC, 0.1)
    verdict = fuse([_result(zero, 0.97, loud), _result("face.blending", 0.7, note, weak)], MediaKind.IMAGE)
    roles = [(verdict_ref.analyzer_id, verdict_ref.context) for verdict_ref in verdict.evidence]
    assert roles[0] == ("face.blending", False)
    assert (zero, True) in roles and ("face.blending", True) in roles
    assert roles.index((zero, True)) > roles.index(("face.blending", False))
    assert all(ref.log_odds == 0 for ref in verdict.evidence if ref.context)


def test_why_says_what_was_missing_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.fusion import _explain

    not_here = {"learned.mesonet": ("needs the mesonet4_df model", "veracity models fetch mesonet4_df")}
    monkeypatch.setattr(_explain, "cannot_run", not_here.get)
    no_face = "no face was found in 12 sampled frame(s)"
    results = [
        _result("image.ela", 0.6),
        _result("face.blending", None, status=Status.ABSTAINED, reason=no_face),
        _result("learned.face_forgery", None, status=Status.ABSTAINED, reason="no face was found to score"),
        _result("provenance.c2pa", None, status=Status.NOT_APPLICABLE, reason="no manifest"),
        _result("learned.ai_image", None, status=Status.MISSING_DEPENDENCY, reason="needs onnxruntime"),
        _result("provenance.metadata", None, _finding("provenance.metadata.none", Direction.NEUTRAL, 0.0)),
    ]
    verdict = fuse(results, MediaKind.IMAGE, skipped=["learned.mesonet", "learned.face_video_temporal"])
    text = " ".join(verdict.missing)
    assert "No face was found" in text and "Content Credentials" in text and "stripped" in text
    assert "could not run (needs onnxruntime)" in text
    slow, absent = _explain.plain_name("learned.face_video_temporal"), _explain.plain_name("learned.mesonet")
    # a profile skips the slow one; the one without its model is named with what to do, not sent to --profile
    assert f"Skipped as slow in this profile: {slow} (use the thorough profile" in text
    assert f"{absent} is not installed here, so no profile runs it (veracity models fetch mesonet4_df)" in text
    assert "learned.ai_image" not in text and "learned.mesonet" not in text  # plain names, no ids
    assert verdict.would_settle and any("original file" in line for line in verdict.would_settle)


def test_inconclusive_headline_says_which_way_things_pulled_without_ids() -> None:
    verdict = fuse([_result("image.ela", 0.62), _result("image.double_jpeg", 0.4)], MediaKind.IMAGE)
    assert verdict.label is VerdictLabel.INCONCLUSIVE
    assert "1 check(s) pulled towards AI and 1 towards a real capture" in verdict.explanation
    assert "still images without a face" in verdict.explanation
    assert "." not in verdict.explanation.split(":")[0] and "image." not in verdict.explanation
    assert one_line(verdict).startswith("Too weak or mixed")


def test_one_line_names_the_leading_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from veracity.fusion import v1

    models = dict(trained_models())  # weights as declared here, whatever the fit gave these two
    models["image+face"] = replace(models["image+face"], weights={**models["image+face"].weights,
                                                                  "face.blending": 0.8, "learned.face_forgery": 0.5})
    monkeypatch.setattr(v1, "trained_models", lambda *args: models)
    seam = _finding("face.blending.seam", Direction.SYNTHETIC, 0.6)
    verdict = fuse([_result("face.blending", 0.98, seam), _result("learned.face_forgery", 0.97)], MediaKind.IMAGE)
    assert verdict.label is VerdictLabel.AI_GENERATED
    lead = verdict.contributions[0]
    assert one_line(verdict) == f"{lead.name}: {lead.reason}"


def test_printed_rows_add_up_to_the_printed_total() -> None:
    from veracity.fusion._explain import shown_rounded

    values = [3.404, 0.9123]  # printed naively: +3.40 and +0.91, but the total prints +4.32
    total = sum(values)
    printed = shown_rounded(values, total)
    assert round(sum(printed), 2) == round(total, 2)
    assert all(abs(p - v) < 0.01 for p, v in zip(printed, values, strict=True))
    many = [0.333, 0.333, 0.333, -0.004, 1.0449]
    assert round(sum(shown_rounded(many, sum(many))), 2) == round(sum(many), 2)
    assert shown_rounded([], 0.0) == []


def test_when_no_check_weighs_the_headline_says_so_instead_of_counting_zero_pulls(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from veracity.fusion import v1

    models = dict(trained_models())
    models["audio"] = dataclasses.replace(models["audio"], weights={"audio.voice_forensics": 0.0})
    monkeypatch.setattr(v1, "trained_models", lambda: models)
    verdict = fuse([_result("audio.voice_forensics", 0.9)], MediaKind.AUDIO)
    assert verdict.label is VerdictLabel.INCONCLUSIVE and verdict.contributions
    assert verdict.explanation.startswith("No check weighed either way")
    assert "starting point" in verdict.explanation and "0 check(s)" not in verdict.explanation
    assert one_line(verdict) == "No check weighed either way: the model's starting point."


def test_a_title_keeps_its_acronym_inside_a_sentence() -> None:
    from veracity.fusion._explain import in_sentence

    assert in_sentence("Blinking") == "blinking"
    assert in_sentence("AI-generated picture detector") == "AI-generated picture detector"
    verdict = fuse([_result("learned.ai_image", 0.999)], MediaKind.IMAGE)
    assert "Weighing most: AI-generated" in verdict.explanation
