from __future__ import annotations

import re

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Direction, Finding, MediaInfo, MediaKind, Status

# PNG text keys written by AI image front ends (AUTOMATIC1111 / Forge, ComfyUI, InvokeAI, NovelAI).
_GENERATOR_TEXT_KEYS = {
    "parameters": "Stable Diffusion WebUI",
    "prompt": "ComfyUI",
    "workflow": "ComfyUI",
    "invokeai_metadata": "InvokeAI",
    "sd-metadata": "InvokeAI",
    "Dream": "InvokeAI",
}
_SD_PARAMETER_HINT = re.compile(r"(Steps:\s*\d+|Sampler:|CFG scale:|Seed:\s*\d+)")
_CAMERA_FIELDS = ("Make", "Model", "DateTimeOriginal", "ExposureTime", "FNumber", "ISO", "FocalLength")


class MetadataAnalyzer(Analyzer):
    """Summarises what the file says about itself: camera EXIF, editing software, generator text chunks,
    container and encoder tags."""

    info = AnalyzerInfo(
        id="provenance.metadata",
        version="0.1.0",
        title="Metadata",
        summary="Camera EXIF, software and generator tags, container and encoder tags.",
        media_kinds=frozenset(MediaKind),
        cost=1,
        fusion_weight=0.5,
    )

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.provenance._exif import read_image_metadata
        from veracity.media._sniff import IMAGE_CONTAINERS

        fields = dict(media.tags)
        for stream in media.streams:
            fields.update({f"{stream.type}:{k}": v for k, v in stream.tags.items()})
        if media.container in IMAGE_CONTAINERS:
            fields.update(read_image_metadata(ctx.path))
        findings: list[Finding] = []
        p_synthetic: float | None = None

        for key, generator in _GENERATOR_TEXT_KEYS.items():
            text = fields.get(f"Text:{key}")
            if text and (key != "parameters" or _SD_PARAMETER_HINT.search(text)):
                findings.append(Finding(
                    code="provenance.metadata.generator_text",
                    message=f"The file carries a '{key}' text block as written by {generator}: it records the "
                    "prompt and settings used to generate the picture.",
                    direction=Direction.SYNTHETIC, strength=0.95, decisive=True,
                    data={"key": key, "generator": generator, "excerpt": text[:300]},
                ))
                p_synthetic = 0.97
                break

        camera = {k: fields[k] for k in _CAMERA_FIELDS if k in fields}
        if {"Make", "Model"} <= camera.keys() and len(camera) >= 4 and p_synthetic is None:
            findings.append(Finding(
                code="provenance.metadata.camera_exif",
                message=f"Camera data is present ({camera['Make']} {camera['Model']}, with exposure settings). "
                "Such data is easy to copy or forge, so it only leans towards a real capture.",
                direction=Direction.AUTHENTIC, strength=0.2, data=dict(camera),
            ))
            p_synthetic = 0.35

        software = fields.get("Software") or fields.get("encoder") or fields.get("video:encoder")
        if software:
            findings.append(Finding(
                code="provenance.metadata.software",
                message=f"Written by software: {software}.",
                direction=Direction.NEUTRAL, strength=0.0, data={"software": software},
            ))
        if not fields:
            findings.append(Finding(
                code="provenance.metadata.none",
                message="The file carries no metadata. Platforms strip it on upload, so this means little.",
                direction=Direction.NEUTRAL, strength=0.0,
            ))
        summary = {k: v[:200] for k, v in list(fields.items())[:40] if k != "XMP"}
        findings.append(Finding(
            code="provenance.metadata.summary", message=f"{len(fields)} metadata fields read.",
            direction=Direction.NEUTRAL, strength=0.0, data=summary,
        ))
        return self.result(Status.OK, p_synthetic=p_synthetic, findings=findings)
