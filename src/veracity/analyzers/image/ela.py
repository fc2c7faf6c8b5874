from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status


@dataclass(frozen=True)
class ElaParams:
    qualities: tuple[int, ...] = (70,)  # re-save qualities tried; the most inconsistent one is shown
    block_px: int = 16
    flag_above: float = 0.5  # inconsistency score from which a region is reported


class ErrorLevelAnalyzer(Analyzer[ElaParams]):
    """Error level analysis of JPEG images, with a heatmap of regions whose error level stands out."""

    info = AnalyzerInfo(
        id="image.ela",
        version="0.2.0",
        title="Error level analysis",
        summary="Re-saves a JPEG and maps where the error level differs from the rest (pasted or edited regions).",
        media_kinds=frozenset({MediaKind.IMAGE}),
        cost=1,
        fusion_weight=0.3,
    )

    Params = ElaParams
    imports = ("scipy.ndimage",)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.image._ela import ela_multi_quality
        from veracity.analyzers.image._regions import region_box
        from veracity.pictures import heatmap_overlay, png_bytes

        if media.container != "jpeg":
            return self.not_applicable(f"error level analysis needs a JPEG; this is {media.container.upper()}")
        rgb = ctx.image()
        shown_factor = max(1, -(-max(rgb.shape[:2]) // 800))  # the raw levels are shown ≤ 800 px
        score, quality, anomaly, shown = ela_multi_quality(rgb, self.params.qualities, self.params.block_px,
                                                           shown_factor)
        block = self.params.block_px
        peak_row, peak_col = np.unravel_index(int(np.argmax(anomaly)), anomaly.shape)
        box = region_box(anomaly, block) if score >= self.params.flag_above else None
        overlay = heatmap_overlay(rgb, anomaly, box_xyxy=box)
        raw = np.clip(shown / max(float(np.percentile(shown, 99.5)), 1.0), 0, 1)
        artifacts = [
            Artifact.from_bytes("ela.anomaly", "image/png", "Where the error level stands out (red = most)",
                                png_bytes(overlay)),
            Artifact.from_bytes("ela.levels", "image/png", "Raw error levels (brighter = more change on re-save)",
                                png_bytes((raw * 255).astype(np.uint8))),  # greyscale: a third of the PNG work
        ]
        if box is not None:
            finding = Finding(
                code="image.ela.inconsistent_region",
                message="A region re-compresses differently from the rest of the picture, as a pasted or "
                "retouched area often does.",
                direction=Direction.SYNTHETIC,
                strength=round(min(score, 1.0) * 0.5, 3),
                locus=Locus(box_xyxy_px=box, artifact="ela.anomaly"),
                data={"score": round(score, 4), "quality": quality,
                      "peak_block_row": int(peak_row), "peak_block_col": int(peak_col)},
            )
        else:
            finding = Finding(
                code="image.ela.uniform",
                message="Error levels are even across the picture: no region stands out as re-compressed "
                "differently (this says nothing about fully AI-generated images).",
                direction=Direction.NEUTRAL,
                strength=0.0,
                locus=Locus(artifact="ela.anomaly"),
                data={"score": round(score, 4), "quality": quality},
            )
        p_synthetic = 0.35 + 0.4 * score
        return self.result(Status.OK, p_synthetic=p_synthetic, findings=[finding], artifacts=artifacts)

