from __future__ import annotations

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status


class SpectrumAnalyzer(Analyzer):
    """Frequency analysis: radial power spectrum and periodic up-sampling peaks, shown as a picture.

    It gives no probability on its own: on the evaluation corpus the peak score alone did not separate generated
    from camera pictures (JPEG blocking and re-encoding add the same peaks); the features feed learned detectors.
    """

    info = AnalyzerInfo(
        id="image.spectrum",
        version="0.1.0",
        title="Frequency spectrum",
        summary="Power spectrum of the picture's noise residual and the periodic peaks that generators' "
        "up-sampling can leave.",
        media_kinds=frozenset({MediaKind.IMAGE}),
        cost=1,
        fusion_weight=0.0,
    )

    imports = ("scipy.ndimage",)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.image._spectrum import (
            FEATURE_NAMES,
            spectrum_features_and_picture,
            upsampling_peak_score,
        )
        from veracity.pictures import png_bytes

        rgb = ctx.image()
        if min(rgb.shape[:2]) < 64:
            return self.abstain("the image is smaller than 64 pixels on a side")
        features, picture = spectrum_features_and_picture(rgb)
        peak_score = upsampling_peak_score(features)
        artifact = Artifact.from_bytes("spectrum.residual", "image/png",
                                       "Power spectrum of the noise residual (centre = coarse detail, edges = finest); "
                                       "isolated bright dots are periodic patterns", png_bytes(picture))
        peaks = {name: round(float(value), 3)
                 for name, value in zip(FEATURE_NAMES, features, strict=True) if name.startswith("peak_")}
        if peak_score >= 0.5:
            message = ("The noise residual has strong periodic peaks at half or a quarter of the pixel rate, as "
                       "up-sampling in some generators leaves; resizing, JPEG blocks and camera processing can "
                       "too, so this is a lead, not evidence.")
        else:
            message = "No strong periodic peak in the noise residual's spectrum."
        finding = Finding(code="image.spectrum.peaks", message=message, direction=Direction.NEUTRAL, strength=0.0,
                          locus=Locus(artifact=artifact.name),
                          data={"upsampling_peak_score": round(peak_score, 3), "jpeg": media.container == "jpeg",
                                **peaks})
        return self.result(Status.OK, findings=[finding], artifacts=[artifact])
