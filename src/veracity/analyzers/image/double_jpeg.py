from __future__ import annotations

from dataclasses import dataclass

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Direction, Finding, Locus, MediaInfo, MediaKind, Status


@dataclass(frozen=True)
class DoubleJpegParams:
    block_px: int = 16
    lowest_quality: int = 50
    quality_step: int = 5
    flag_above: float = 0.3  # inconsistency score from which a region is reported
    ghost_depth: float = 0.5  # dip depth from which the whole picture counts as compressed twice


class DoubleJpegAnalyzer(Analyzer[DoubleJpegParams]):
    """JPEG ghosts: finds regions whose compression history differs from the rest, and earlier compressions."""

    info = AnalyzerInfo(
        id="image.double_jpeg",
        version="0.1.0",
        title="Double JPEG compression",
        summary="Re-saves the JPEG at a range of qualities and maps regions whose compression history differs "
        "(JPEG ghosts), as pasted parts often do.",
        media_kinds=frozenset({MediaKind.IMAGE}),
        cost=1,
        fusion_weight=0.3,
    )

    Params = DoubleJpegParams
    imports = ("scipy.ndimage",)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.image._double_jpeg import ghost_inconsistency
        from veracity.analyzers.image._jpeg_quant import estimate_quality
        from veracity.analyzers.image._regions import region_box
        from veracity.analyzers.image._report import anomaly_artifact, region_finding
        from veracity.media.image import open_image

        if media.container != "jpeg":
            return self.not_applicable(f"JPEG ghosts need a JPEG; this is {media.container.upper()}")
        with open_image(ctx.path) as image:
            tables = {k: list(v) for k, v in getattr(image, "quantization", {}).items()}
        if not tables:
            return self.abstain("the JPEG has no readable quantization table")
        last_quality = estimate_quality(tables).quality
        p = self.params
        qualities = tuple(range(p.lowest_quality, last_quality - 1, p.quality_step))
        if len(qualities) < 3:
            return self.abstain(f"last saved at quality {last_quality}: too low to look for earlier compressions")
        rgb = ctx.image()
        score, anomaly, (ghost_quality, ghost_depth) = ghost_inconsistency(rgb, qualities, p.block_px, ctx.checkpoint)
        flagged = score >= p.flag_above
        box = region_box(anomaly, p.block_px) if flagged else None
        artifact = anomaly_artifact(rgb, anomaly, "double_jpeg.ghosts",
                                    "Where the compression history differs from the rest (red = most)", box)
        findings = [region_finding(
            code="image.double_jpeg.inconsistent_region",
            message="A region responds to re-compression differently from the rest of the picture (a 'JPEG ghost'): "
            "it was compressed a different number of times or at another quality, as a pasted part often is.",
            score=score, flagged=flagged, box_xyxy_px=box, artifact=artifact.name,
            uniform_code="image.double_jpeg.uniform",
            uniform_message="All regions share the same compression history: no pasted JPEG region stands out.",
            data={"last_quality": last_quality, "lowest_quality_tried": qualities[0]},
        )]
        if ghost_quality is not None and ghost_depth >= p.ghost_depth:
            findings.append(Finding(
                code="image.double_jpeg.recompressed",
                message=f"The picture was compressed at about quality {ghost_quality} before its last save at quality "
                f"{last_quality}: it was re-saved, as editing or re-sharing does. That alone is common and harmless.",
                direction=Direction.NEUTRAL, strength=0.0, locus=Locus(artifact=artifact.name),
                data={"earlier_quality": ghost_quality, "last_quality": last_quality,
                      "ghost_depth": round(ghost_depth, 3)},
            ))
        return self.result(Status.OK, p_synthetic=0.4 + 0.35 * score, findings=findings, artifacts=[artifact])

