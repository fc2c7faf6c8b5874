"""The typed, frozen vocabulary of evidence: findings, analyzer results, verdicts and reports.

Everything here serialises to JSON through pydantic; ``veracity schema`` prints the schema generated from
these types and ``schema/report.schema.json`` keeps a checked-in copy (a test compares them).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.3"  # 1.1: optional Report.robustness; 1.2: Verdict.prior_log_odds;
# 1.3: Verdict.log_odds, judged_as, missing, would_settle, evidence; Contribution.name, reason, finding_code

JsonScalar = str | int | float | bool | None
JsonValue = JsonScalar | list[JsonScalar] | dict[str, JsonScalar]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"  # animated GIF / WebP count as video
    AUDIO = "audio"


class Direction(StrEnum):
    """Which way a finding points."""

    SYNTHETIC = "synthetic"  # towards AI-generated or manipulated
    AUTHENTIC = "authentic"  # towards an unmanipulated capture
    NEUTRAL = "neutral"  # context worth showing, no weight either way


class Status(StrEnum):
    """How an analyzer run ended. Only OK results carry a probability into the verdict."""

    OK = "ok"
    NOT_APPLICABLE = "not_applicable"  # e.g. ELA on a PNG, no manifest present
    ABSTAINED = "abstained"  # applicable but could not judge (too short, too dark, no face)
    MISSING_DEPENDENCY = "missing_dependency"
    ERROR = "error"
    TIMEOUT = "timeout"


class Locus(_Frozen):
    """Where in the media a finding was seen. Every field is optional; set what applies."""

    start_s: float | None = None
    end_s: float | None = None
    frame_idx: int | None = None
    frame_range: tuple[int, int] | None = None
    box_xyxy_px: tuple[int, int, int, int] | None = None
    face_track: int | None = None
    artifact: str | None = Field(default=None, description="name of an artifact (e.g. a region heatmap)")


class Finding(_Frozen):
    code: str = Field(description="stable dotted code, e.g. provenance.c2pa.ai_generated")
    message: str = Field(description="what was seen, in words a journalist understands")
    direction: Direction
    strength: Probability = Field(description=(
        "how far this finding alone moves belief toward its direction: 0 (not at all) .. 1 (settles it); for a "
        "finding backed by a probability p, reliability x |2p - 1| (defined in veracity.analyzers.scoring)"))
    decisive: bool = Field(default=False, description="settles the verdict on its own (declared AI origin, watermark)")
    locus: Locus | None = None
    data: dict[str, JsonValue] = Field(default_factory=dict)


class Artifact(_Frozen):
    """A picture or file that backs a finding. The JSON report keeps a reference; bytes stay out of it."""

    name: str
    mime_type: str
    description: str
    sha256: str
    path: str | None = Field(default=None, description="where it was written, when artifacts are saved")
    content: bytes = Field(default=b"", exclude=True, repr=False)

    @classmethod
    def from_bytes(cls, name: str, mime_type: str, description: str, content: bytes) -> Artifact:
        return cls(
            name=name,
            mime_type=mime_type,
            description=description,
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )


class AnalyzerResult(_Frozen):
    analyzer_id: str
    analyzer_version: str
    status: Status
    p_synthetic: Probability | None = Field(
        default=None, description="this analyzer's probability that the media is AI-made or manipulated"
    )
    findings: tuple[Finding, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    seconds: float = 0.0
    reason: str | None = Field(default=None, description="why it did not judge, or what went wrong")
    hint: str | None = Field(default=None, description="what the user can do, e.g. which extra to install")


class StreamInfo(_Frozen):
    index: int
    type: Literal["video", "audio", "subtitle", "data", "other"]
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    frame_count: int | None = None
    sample_rate_hz: int | None = None
    channels: int | None = None
    channel_layout: str | None = None
    bit_rate: int | None = None
    duration_s: float | None = None
    rotation_deg: int | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class MediaInfo(_Frozen):
    """What probing found, before any pixel or sample is decoded."""

    path: str
    kind: MediaKind
    container: str = Field(description="format found from the content, e.g. jpeg, png, mp4, gif, mp3")
    size_bytes: int
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    fps: float | None = None
    frame_count: int | None = None
    has_audio: bool = False
    bit_rate: int | None = None
    rotation_deg: int = 0
    streams: tuple[StreamInfo, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)


class VerdictLabel(StrEnum):
    AI_GENERATED = "ai_generated"
    AUTHENTIC = "authentic"
    INCONCLUSIVE = "inconclusive"


class Contribution(_Frozen):
    analyzer_id: str
    p_synthetic: Probability | None
    weight: float
    log_odds: float = Field(description="what this analyzer added to the combined log-odds (signed: + towards AI)")
    decisive: bool = False
    name: str = Field(default="", description="the analyzer in plain words")
    reason: str = Field(default="", description="what it saw, in plain words (a finding's message or its score)")
    finding_code: str | None = Field(default=None, description="the finding quoted in reason, if any")


class EvidenceRef(_Frozen):
    """One finding in the order reports show it: evidence by the size of its analyzer's contribution, then context."""

    analyzer_id: str
    finding_index: int = Field(description="index into that analyzer result's findings")
    log_odds: float = Field(description="the contribution of the finding's analyzer (0 for context)")
    context: bool = Field(description="true when it did not weigh in the verdict (zero weight, neutral, not judged)")


class Verdict(_Frozen):
    label: VerdictLabel
    p_synthetic: Probability
    inconclusive_band: tuple[float, float]
    method: str = Field(description="how the probability was formed, e.g. decisive:provenance.c2pa.ai_generated")
    explanation: str = Field(description="the verdict in one or two plain sentences")
    prior_log_odds: float = Field(default=0.0, description="the calibrated model's intercept, before any evidence")
    log_odds: float = Field(
        default=0.0, description="prior_log_odds + the sum of contributions' log_odds; p_synthetic = 1/(1+e^-log_odds)"
    )
    judged_as: str = Field(default="", description="which files the band and weights were fitted on, in words")
    contributions: tuple[Contribution, ...] = Field(default=(), description="largest |log_odds| first")
    missing: tuple[str, ...] = Field(default=(), description="what could not be checked, in plain words")
    would_settle: tuple[str, ...] = Field(default=(), description="what would settle the question, in plain words")
    evidence: tuple[EvidenceRef, ...] = Field(default=(), description="every finding, in the order reports show it")


class RobustnessVariant(_Frozen):
    """The file re-analysed after one kind of damage a platform does (``veracity check --robustness``)."""

    name: str = Field(description="recompressed | downscaled | metadata_stripped | combined")
    description: str
    label: VerdictLabel | None = Field(default=None, description="the verdict on the damaged copy")
    p_synthetic: Probability | None = None
    p_shift: float | None = Field(default=None, description="p_synthetic of the copy minus that of the original")
    verdict_holds: bool | None = None
    lost_findings: tuple[str, ...] = Field(default=(), description="codes of weighed findings that disappeared")
    new_findings: tuple[str, ...] = Field(default=(), description="codes of weighed findings that appeared")
    error: str | None = Field(default=None, description="why the copy could not be made or analysed")


class RobustnessCheck(_Frozen):
    verdict_stable: bool = Field(description="every damaged copy got the original's verdict")
    max_abs_shift: float = Field(description="largest |p_synthetic change| over the copies")
    summary: str
    variants: tuple[RobustnessVariant, ...] = ()


class Report(_Frozen):
    schema_version: str = SCHEMA_VERSION
    tool_version: str
    created_at: str = Field(description="UTC time the analysis finished, ISO 8601")
    profile: str
    media: MediaInfo
    results: tuple[AnalyzerResult, ...]
    verdict: Verdict
    seconds: float
    robustness: RobustnessCheck | None = Field(
        default=None, description="how the verdict fares on damaged copies (only with --robustness)"
    )

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def artifact(self, name: str) -> Artifact | None:
        return next((a for r in self.results for a in r.artifacts if a.name == name), None)


def report_json_schema() -> dict[str, object]:
    schema = Report.model_json_schema(mode="serialization")
    schema["$id"] = f"https://veracity.invalid/schema/report-{SCHEMA_VERSION}.json"
    schema["title"] = "Veracity report"
    return schema
