"""What the API sends and takes, as pydantic models (they make the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. upload_too_large")
    message: str = Field(description="what went wrong, in plain words")


class ErrorBody(BaseModel):
    error: ErrorDetail


class UrlRequest(BaseModel):
    url: str = Field(max_length=2048, description="http(s) link to a media file or a social-platform post")


class Created(BaseModel):
    id: str
    status: Literal["queued"]
    location: str


class VerdictSummary(BaseModel):
    label: str
    p_synthetic: float


class Links(BaseModel):
    self: str
    report_html: str | None = None
    report_json: str | None = None
    preview: str | None = Field(default=None, description="the image under the heatmaps (images)")
    frames: dict[str, str] = Field(default_factory=dict, description="frame index -> picture (videos)")


class Analysis(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    source: Literal["upload", "url"]
    name: str
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int
    progress: dict[str, Any] = Field(
        default_factory=dict, description="stage, done, total and each analyzer's state (pending/running/done)"
    )
    error: ErrorDetail | None = None
    verdict: VerdictSummary | None = None
    media_kind: str | None = None
    links: Links
    waveform: dict[str, Any] | None = Field(default=None, description="audio peaks for the audio strip")
    report: dict[str, Any] | None = Field(default=None, description="the full report (schema_version 1.x)")


class AnalysisPage(BaseModel):
    items: list[Analysis]
    total: int
    limit: int
    offset: int


class AnalyzerEntry(BaseModel):
    id: str
    version: str
    title: str
    summary: str
    media_kinds: list[str]
    cost: int
    installed: bool
    enabled: bool = Field(description="runs under this server's profile and analyzer selection")
    hint: str | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    workers: int
    queued: int
    running: int
    url_intake: bool
