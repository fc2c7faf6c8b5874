"""Words for a verdict: what each analyzer's contribution rests on, which findings come first, what was missing and
what would settle the question. Plain words for people; ids stay in the details (``analyzer_id``, ``finding_code``).

Order rule, used by every report (terminal, HTML, web page, JSON ``Verdict.evidence``): findings of the analyzer
with the largest |log-odds contribution| first; within one analyzer, findings that point the way it pulled before
those that don't, then by strength. Findings of analyzers that added nothing (zero weight, no probability, not
judged) and neutral findings are *context*, listed after all the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from veracity.evidence import (
    AnalyzerResult,
    Contribution,
    Direction,
    EvidenceRef,
    Finding,
    MediaInfo,
    MediaKind,
    Status,
    Verdict,
    VerdictLabel,
)

ZERO = 0.005  # contributions that round to ±0.00 did not weigh
SHOWN_ELSEWHERE = frozenset({"provenance.metadata.summary"})  # the metadata listing has its own panel
JUDGED_AS = {
    "image": "still images without a face",
    "image+face": "still images with a face",
    "video": "videos without a face",
    "video+face": "videos with a face",
    "audio": "audio clips",
}


@cache
def plain_name(analyzer_id: str) -> str:
    """The analyzer's title from its metadata (no heavy import), else its id."""
    from veracity.analyzers import registry

    cls = registry.available().get(analyzer_id)
    return cls.info.title if cls is not None and cls.info.title else analyzer_id


def _pulls(direction: Direction, log_odds: float) -> bool:
    return (direction is Direction.SYNTHETIC) == (log_odds > 0) and direction is not Direction.NEUTRAL


def _finding_key(finding: Finding, log_odds: float) -> tuple[int, float]:
    return (0 if _pulls(finding.direction, log_odds) else 1, -finding.strength)


def order_evidence(results: Sequence[AnalyzerResult], contributions: Sequence[Contribution]) -> tuple[EvidenceRef, ...]:
    weighed = {c.analyzer_id: c for c in contributions}
    evidence: list[tuple[tuple[float, ...], EvidenceRef]] = []
    context: list[tuple[tuple[float, ...], EvidenceRef]] = []
    for r in results:
        contribution = weighed.get(r.analyzer_id)
        log_odds = contribution.log_odds if contribution is not None else 0.0
        for index, finding in enumerate(r.findings):
            if finding.code in SHOWN_ELSEWHERE:
                continue
            if contribution is not None and contribution.decisive:
                counts = finding.decisive or finding.code == contribution.finding_code
            else:  # a neutral finding counts when it is what the analyzer's weight rests on (quoted as its reason)
                counts = abs(log_odds) >= ZERO and (
                    finding.direction is not Direction.NEUTRAL
                    or (contribution is not None and finding.code == contribution.finding_code)
                )
            ref = EvidenceRef(analyzer_id=r.analyzer_id, finding_index=index, log_odds=log_odds if counts else 0.0,
                              context=not counts)
            if counts:
                evidence.append(((0 if finding.decisive else 1, -abs(log_odds), *_finding_key(finding, log_odds)), ref))
            else:
                context.append(((1 if finding.direction is Direction.NEUTRAL else 0, -finding.strength), ref))
    evidence.sort(key=lambda kr: kr[0])
    context.sort(key=lambda kr: kr[0])
    return tuple(ref for _key, ref in evidence) + tuple(ref for _key, ref in context)


def quote(result: AnalyzerResult | None, log_odds: float) -> tuple[str, str | None]:
    """The sentence that says why an analyzer pulled the way it did: its best finding that points that way."""
    if result is not None:
        agreeing = [f for f in result.findings if _pulls(f.direction, log_odds) and f.code not in SHOWN_ELSEWHERE]
        if agreeing:
            best = max(agreeing, key=lambda f: (f.decisive, f.strength))
            return best.message, best.code
        # "nothing stands out" explains a lean towards real (or a near-even score), never a lean towards AI
        if log_odds < 0 or (result.p_synthetic is not None and abs(result.p_synthetic - 0.5) < 0.15):
            neutral = [f for f in result.findings if f.direction is Direction.NEUTRAL and f.code not in SHOWN_ELSEWHERE]
            if neutral:
                return neutral[0].message, neutral[0].code
    if result is None or result.p_synthetic is None:
        return "", None
    way = "towards AI-made" if log_odds > 0 else "towards a real capture"
    return f"Scored {result.p_synthetic:.0%} likely AI-made, which leans {way}.", None


def describe(results: Sequence[AnalyzerResult], contribution: Contribution) -> Contribution:
    result = next((r for r in results if r.analyzer_id == contribution.analyzer_id), None)
    reason, code = quote(result, contribution.log_odds)
    return contribution.model_copy(update={
        "name": plain_name(contribution.analyzer_id), "reason": reason, "finding_code": code,
    })


def in_sentence(name: str) -> str:
    """A title inside a sentence: "Blinking" -> "blinking", but "AI-generated picture detector" keeps its acronym."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def evidence_of(analyzer_id: str) -> frozenset[str]:
    """What the analyzer looks at, as it declares (``AnalyzerInfo.evidence``)."""
    from veracity.analyzers import registry

    cls = registry.available().get(analyzer_id)
    return cls.info.evidence if cls else frozenset()


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _too_sparse(face: Sequence[AnalyzerResult]) -> list[str]:
    """The face checks that abstained because the video's sampled frames are too far apart for what they measure
    (``analyzers.base.too_sparse``), each with its reason."""
    from veracity.analyzers.base import SPARSE_FRAMES

    return [f"{plain_name(r.analyzer_id)} could not be measured: {r.reason}." for r in face
            if r.status is Status.ABSTAINED and SPARSE_FRAMES in (r.reason or "")]


def missing(results: Sequence[AnalyzerResult], media: MediaInfo | None, media_kind: MediaKind | None,
            skipped: Sequence[str] = ()) -> tuple[str, ...]:
    """What could not be checked, in plain words, most telling first."""
    out: list[str] = []
    by_id = {r.analyzer_id: r for r in results}
    face = [r for r in results if "face" in evidence_of(r.analyzer_id)]
    if face and all(r.status is not Status.OK for r in face) and any(
            "face" in (r.reason or "") for r in face if r.status is Status.ABSTAINED):
        out.append("No face was found (or none clear enough to examine), so the face checks could not judge.")
    out.extend(_too_sparse(face))
    voice = [r for r in results if r.analyzer_id.startswith("audio.")]
    if voice and all(r.status is not Status.OK or r.p_synthetic is None for r in voice):
        if media_kind is MediaKind.VIDEO and media is not None and not media.has_audio:
            out.append("The video has no sound track, so the voice checks could not run.")
        elif any("speech" in (r.reason or "") for r in voice):
            out.append("Too little speech was heard for the voice checks to judge.")
    meta = by_id.get("provenance.metadata")
    stripped = meta is not None and any(f.code == "provenance.metadata.none" for f in meta.findings)
    if stripped and media_kind is not MediaKind.AUDIO:
        out.append("The file carries no camera or software metadata: it was probably stripped by a platform or "
                   "messaging app.")
    c2pa = by_id.get("provenance.c2pa")
    if c2pa is not None and c2pa.status is Status.NOT_APPLICABLE:
        out.append("No Content Credentials (C2PA) are attached to say where the file came from.")
    for r in results:
        if r.status in (Status.MISSING_DEPENDENCY, Status.ERROR, Status.TIMEOUT):
            what = {Status.MISSING_DEPENDENCY: "could not run", Status.ERROR: "failed",
                    Status.TIMEOUT: "ran out of time"}[r.status]
            reason = f" ({r.reason})" if r.reason else ""
            out.append(f"{plain_name(r.analyzer_id)} {what}{reason}.")
    slow = [a for a in skipped if cannot_run(a) is None]
    if slow:
        names = [plain_name(a) for a in slow]
        out.append(f"Skipped as slow in this profile: {_joined(names)} (use the thorough profile to include "
                   f"{'it' if len(names) == 1 else 'them'}).")
    for a in skipped:
        if (why := cannot_run(a)) is not None:
            out.append(f"{plain_name(a)} is not installed here, so no profile runs it ({why[1]}).")
    return tuple(out)


def cannot_run(analyzer_id: str) -> tuple[str, str] | None:
    """Why the analyzer cannot run on this installation (reason, hint), or None (``AnalyzerInfo.missing``)."""
    from veracity.analyzers import registry

    cls = registry.available().get(analyzer_id)
    return cls.info.missing() if cls is not None else None


def would_settle(results: Sequence[AnalyzerResult], media: MediaInfo | None,
                 media_kind: MediaKind | None) -> tuple[str, ...]:
    """What a fact-checker could get that would settle the question."""
    out = ["The original file from its author or its first upload: platform copies lose metadata and detail."]
    c2pa = next((r for r in results if r.analyzer_id == "provenance.c2pa"), None)
    if media_kind in (MediaKind.IMAGE, MediaKind.VIDEO) and (c2pa is None or c2pa.status is not Status.OK):
        out.append("Content Credentials (C2PA) from the camera or editing app, which record where a file came from.")
    duration = media.duration_s if media is not None else None
    if media_kind in (MediaKind.VIDEO, MediaKind.AUDIO) and duration is not None and duration < 20:
        out.append(f"A longer clip (this one lasts {duration:.0f} s): more frames and more speech give the checks "
                   "more to go on.")
    out.append("Earlier copies found by a reverse image or video search, to trace where it first appeared.")
    return tuple(out)


def one_line(verdict: Verdict) -> str:
    """The verdict's leading reason in one plain line, for tables and CSV columns."""
    weighed = [c for c in verdict.contributions if abs(c.log_odds) >= ZERO or c.decisive]
    if verdict.label is VerdictLabel.INCONCLUSIVE or not weighed:
        if not weighed:
            return ("No check could judge this file." if not verdict.contributions else
                    "No check weighed either way: the model's starting point.")
        up = sum(1 for c in weighed if c.log_odds > 0)
        return f"Too weak or mixed to call: {up} check(s) towards AI, {len(weighed) - up} towards a real capture."
    lead = weighed[0]
    return f"{lead.name}: {lead.reason}" if lead.reason else lead.name


def shown_rounded(values: Sequence[float], total: float, places: int = 2) -> list[float]:
    """``values`` rounded to ``places`` so that, as printed, they add up to ``total`` as printed (largest-remainder
    rounding): a reader adding the rows of "how the probability was formed" gets the total shown under them."""
    if not values:
        return []
    scale = 10**places
    scaled = [v * scale for v in values]
    rounded = [round(v) for v in scaled]
    gap = round(total * scale) - sum(rounded)
    step = 1 if gap > 0 else -1
    for _ in range(abs(gap)):
        i = max(range(len(scaled)), key=lambda k: (scaled[k] - rounded[k]) * step)
        rounded[i] += step
    return [r / scale for r in rounded]
