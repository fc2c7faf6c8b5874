from __future__ import annotations

from dataclasses import dataclass

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, MediaInfo, MediaKind, Status


@dataclass(frozen=True)
class NoiseParams:
    block_px: int = 32
    flag_above: float = 0.6  # inconsistency score from which a region is reported


class NoiseResidualAnalyzer(Analyzer[NoiseParams]):
    """Maps the local noise level and flags a region whose noise departs from the rest of the picture."""

    info = AnalyzerInfo(
        id="image.noise_residual",
        version="0.1.0",
        title="Noise inconsistency",
        summary="Estimates the camera noise in every block and maps regions noisier or cleaner than the rest "
        "(pasted, inpainted or retouched areas).",
        media_kinds=frozenset({MediaKind.IMAGE}),
        cost=1,
        fusion_weight=0.1,  # near chance on natural photos (see the module docstring)
    )

    Params = NoiseParams
    imports = ("scipy.ndimage",)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.image._noise import noise_inconsistency
        from veracity.analyzers.image._regions import region_box
        from veracity.analyzers.image._report import anomaly_artifact, region_finding

        working = ctx.working_image()  # noise is compared between regions: a box-reduced copy keeps it uniform
        rgb = working.rgb
        score, anomaly, sigma = noise_inconsistency(rgb, self.params.block_px)
        if sigma.size < 16:
            return self.abstain("the image is too small to compare noise between regions")
        flagged = score >= self.params.flag_above
        box = working.to_full_box(region_box(anomaly, self.params.block_px)) if flagged else None
        artifact = anomaly_artifact(rgb, anomaly, "noise.anomaly",
                                    "Where the noise level departs from the rest of the picture (red = most)",
                                    None if box is None else region_box(anomaly, self.params.block_px))
        finding = region_finding(
            code="image.noise_residual.inconsistent_region",
            message="A region's noise differs from the rest of the picture (noisier or cleaner than its texture "
            "explains), as a pasted, inpainted or retouched area often does. Fine texture can look the same.",
            score=score, flagged=flagged, box_xyxy_px=box, artifact=artifact.name,
            uniform_code="image.noise_residual.uniform",
            uniform_message="The noise level is consistent across the picture: no region stands out.",
            max_strength=0.4,
            data={"median_noise_sigma": round(float(sigma.mean()), 3), "block_px": self.params.block_px,
                  "analysed_at_reduction": working.factor},
        )
        return self.result(Status.OK, p_synthetic=0.4 + 0.3 * score, findings=[finding], artifacts=[artifact])
