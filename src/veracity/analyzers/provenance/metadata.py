"""What the file says about itself: camera EXIF, XMP/IPTC declarations, generator text chunks, editing software,
container and encoder tags, matched against a signature database and checked for consistency."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import probability
from veracity.evidence import AnalyzerResult, Direction, Finding, JsonValue, MediaInfo, MediaKind, Status

if TYPE_CHECKING:
    from veracity.analyzers.provenance._signatures import SignatureHit

_CAMERA_FIELDS = ("Make", "Model", "DateTimeOriginal", "ExposureTime", "FNumber", "ISO", "FocalLength")
_P_DECLARED_AI = 0.97
_PILLOW_EXACT = frozenset({"jpeg", "png", "webp", "gif"})
_LOG_ODDS = {  # what each kind of trace adds towards "AI-made or manipulated"
    "camera_exif": math.log(0.35 / 0.65),
    "camera_container": math.log(0.4 / 0.6),
    "ai_generator": 1.5,  # named as software, not a generator's own structured block
    "editing_software": 0.2,
}


@dataclass(frozen=True)
class MetadataParams:
    use_exiftool: bool | None = None  # None: use exiftool when it is installed, else the pure-Python reader


class MetadataAnalyzer(Analyzer[MetadataParams]):
    """Summarises what the file says about itself and what wrote it; flags declared AI generation and
    contradictions in the metadata."""

    info = AnalyzerInfo(
        id="provenance.metadata",
        version="0.2.0",
        title="Metadata",
        summary="Camera EXIF, XMP/IPTC source type, generator text chunks, software and encoder traces, consistency.",
        media_kinds=frozenset(MediaKind),
        cost=1,
        fusion_weight=0.5,
    )

    Params = MetadataParams

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.provenance._consistency import check_fields, thumbnail_mismatch
        from veracity.analyzers.provenance._signatures import match_signatures
        from veracity.media._sniff import IMAGE_CONTAINERS

        still = media.container in IMAGE_CONTAINERS
        fields, reader = read_fields(media, ctx.path, self.params.use_exiftool)
        hits = match_signatures(fields)
        problems = check_fields(fields, video=not still)
        if still and media.container == "jpeg":
            mismatch = thumbnail_mismatch(ctx.path)
            if mismatch is not None:
                problems.append(mismatch)

        findings: list[Finding] = []
        decisive = [h for h in hits if h.signature.decisive and h.signature.category == "ai_generator"]
        for hit in decisive[:1]:
            findings.append(_hit_finding(hit, decisive=True))
        log_odds: list[float] = []
        for hit in hits:
            if hit in decisive[:1]:
                continue
            findings.append(_hit_finding(hit, decisive=False))
            if hit.signature.category in ("ai_generator", "editing_software") and not hit.signature.decisive:
                log_odds.append(_LOG_ODDS[hit.signature.category])

        camera = {k: fields[k] for k in _CAMERA_FIELDS if k in fields}
        if {"Make", "Model"} <= camera.keys() and len(camera) >= 4 and not problems:
            findings.append(Finding(
                code="provenance.metadata.camera_exif",
                message=f"Camera data is present ({_camera_name(camera['Make'], camera['Model'])}, with exposure "
                "settings) and "
                "consistent. Such data is easy to copy or forge, so it only leans towards a real capture.",
                direction=Direction.AUTHENTIC, strength=0.2, data={k: v for k, v in camera.items()},
            ))
            log_odds.append(_LOG_ODDS["camera_exif"])
        elif not still and "Make" in fields and not problems:
            log_odds.append(_LOG_ODDS["camera_container"])
        for problem in problems:
            findings.append(Finding(
                code=f"provenance.metadata.{problem.code}", message=problem.message,
                direction=Direction.SYNTHETIC, strength=problem.strength, data=dict(problem.data),
            ))
            log_odds.append(problem.log_odds)

        if not fields:
            findings.append(Finding(
                code="provenance.metadata.none",
                message="The file carries none of the metadata Veracity reads (camera, software, generator tags). "
                "Platforms and messaging apps strip it on upload, so this means little.",
                direction=Direction.NEUTRAL, strength=0.0,
            ))
        summary: dict[str, JsonValue] = {k: v[:200] for k, v in list(fields.items())[:40]}
        summary["reader"] = reader
        findings.append(Finding(
            code="provenance.metadata.summary", message=f"{len(fields)} metadata fields read with {reader}.",
            direction=Direction.NEUTRAL, strength=0.0, data=summary,
        ))
        if decisive:
            p_synthetic: float | None = _P_DECLARED_AI
        elif log_odds:
            p_synthetic = probability(sum(log_odds))
        else:
            p_synthetic = None
        return self.result(Status.OK, p_synthetic=p_synthetic, findings=findings)


def read_fields(media: MediaInfo, path: Path, use_exiftool: bool | None = None) -> tuple[dict[str, str], str]:
    """Canonical metadata fields and the name of the reader that produced them.

    ``use_exiftool``: True = exiftool whenever installed; False = Pillow/PyAV only; None = exiftool when installed,
    except for JPEG/PNG/WebP/GIF, whose fields Pillow reads identically (a test checks it) without starting a Perl
    process (~0.1-0.4 s per file).
    """
    from veracity.analyzers.provenance._exif import av_fields, read_image_fields
    from veracity.analyzers.provenance._exiftool import (
        canonical_fields,
        exiftool_available,
        exiftool_version,
        run_exiftool,
    )
    from veracity.media._sniff import IMAGE_CONTAINERS

    still = media.container in IMAGE_CONTAINERS
    wanted = use_exiftool if use_exiftool is not None else media.container not in _PILLOW_EXACT
    if wanted and exiftool_available():
        record = run_exiftool(path)
        if record is not None:
            return canonical_fields(record, still_image=still), f"exiftool {exiftool_version(record)}".strip()
    if still:
        return read_image_fields(path), "Pillow"
    return av_fields(media), "PyAV"


def _hit_finding(hit: SignatureHit, *, decisive: bool) -> Finding:
    signature = hit.signature
    data: dict[str, JsonValue] = {
        "signature": signature.id, "tool": signature.name, "category": signature.category, "field": hit.field,
        "value": hit.value[:300], "source": signature.source,
    }
    if signature.category == "ai_generator":
        if signature.id.startswith("iptc."):
            data["digital_source_type"] = hit.value.rstrip("/").rsplit("/", 1)[-1].strip()
        return Finding(
            code="provenance.metadata.ai_generator",
            message=f"{signature.meaning} ({hit.field}: {_excerpt(hit.value)})"
            + ("" if signature.decisive else " Software names can be edited, so this is strong but not conclusive."),
            direction=Direction.SYNTHETIC, strength=0.95 if decisive else 0.6, decisive=decisive, data=data,
        )
    if signature.category == "camera":
        return Finding(
            code="provenance.metadata.camera", message=f"{signature.meaning} ({hit.field}: {_excerpt(hit.value)})",
            direction=Direction.AUTHENTIC, strength=0.1, data=data,
        )
    if signature.category == "editing_software":
        return Finding(
            code="provenance.metadata.editing_software",
            message=f"{signature.meaning} ({hit.field}: {_excerpt(hit.value)})",
            direction=Direction.SYNTHETIC, strength=0.1, data=data,
        )
    return Finding(
        code=f"provenance.metadata.{signature.category}",
        message=f"{signature.meaning} ({hit.field}: {_excerpt(hit.value)})",
        direction=Direction.NEUTRAL, strength=0.0, data=data,
    )


def _excerpt(value: str, limit: int = 80) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _camera_name(make: str, model: str) -> str:
    """"Canon" + "Canon EOS 40D" reads "Canon EOS 40D": many makers repeat their name in the model tag."""
    first = make.split()[0].lower() if make.split() else ""
    return model if first and model.lower().startswith(first) else f"{make} {model}".strip()
