from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import (
    AnalyzerResult,
    Artifact,
    Direction,
    Finding,
    JsonValue,
    Locus,
    MediaInfo,
    MediaKind,
    Status,
)

_MIN_PIXELS = 256 * 256  # the reference embedder refuses smaller images


@dataclass(frozen=True)
class WatermarkParams:
    decisive_below_p: float = 1e-6  # false-alarm probability under which a decoded mark settles the verdict
    report_below_p: float = 1e-3  # weaker matches are shown as a lead, without weight in the verdict
    try_upscaling: bool = True  # also decode scaled back to likely generator sizes (survives a plain downscale)


class InvisibleWatermarkAnalyzer(Analyzer[WatermarkParams]):
    """Decodes the open DWT-DCT invisible watermarks of Stable Diffusion's reference scripts, SDXL and InvokeAI."""

    info = AnalyzerInfo(
        id="provenance.watermark",
        version="0.1.0",
        title="Invisible generator watermark",
        summary="Looks for the invisible watermark Stable Diffusion (v1, v2, XL) and InvokeAI embed in their "
        "outputs, with the chance of a false alarm.",
        media_kinds=frozenset({MediaKind.IMAGE}),
        cost=1,
        fusion_weight=1.0,
    )

    Params = WatermarkParams

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.provenance._dwtdct import block_agreement, match_known_marks
        from veracity.pictures import heatmap_overlay, png_bytes

        rgb = ctx.image()
        if rgb.shape[0] * rgb.shape[1] < _MIN_PIXELS:
            return self.not_applicable("the image is smaller than 256×256 pixels, too small to carry this watermark")
        best = match_known_marks(rgb, try_upscaling=self.params.try_upscaling)[0]
        n_bits = len(best.mark.bits)
        data: dict[str, JsonValue] = {
            "watermark": best.mark.name, "agreeing_bits": best.agreeing_bits, "message_bits": n_bits,
            "bit_agreement": round(best.bit_agreement, 4), "false_alarm_p": float(f"{best.false_alarm_p:.3g}"),
            "channel_order": best.channel_order, "decoded_at_height_px": best.decoded_at_hw[0],
            "decoded_at_width_px": best.decoded_at_hw[1], "source": best.mark.source,
        }
        if best.false_alarm_p >= self.params.report_below_p:
            finding = Finding(
                code="provenance.watermark.none",
                message="No known invisible generator watermark was found. Most generators add none, and resizing, "
                "cropping or JPEG compression erase this kind, so its absence says nothing.",
                direction=Direction.NEUTRAL, strength=0.0, data=data,
            )
            return self.result(Status.OK, findings=[finding])

        agreement = block_agreement(rgb, best)
        overlay = heatmap_overlay(rgb, agreement.astype(np.float32))
        artifact = Artifact.from_bytes(
            "watermark.agreement", "image/png",
            f"Where the {best.mark.name} watermark is intact (red) or absent (blue), per 8×8 block",
            png_bytes(overlay),
        )
        rescaled = best.decoded_at_hw != rgb.shape[:2]
        how = " after scaling the picture back up to a size the generator uses" if rescaled else ""
        odds = f"{best.false_alarm_p:.0e}".replace("e-0", "e-")
        if best.false_alarm_p < self.params.decisive_below_p:
            finding = Finding(
                code="provenance.watermark.generator_mark",
                message=f"The invisible watermark of {best.mark.name} was read from the pixels{how}: "
                f"{best.agreeing_bits} of {n_bits} bits match. An unmarked picture matches this well with a "
                f"chance of about {odds}, so the picture was made with that software.",
                direction=Direction.SYNTHETIC, strength=0.97, decisive=True,
                locus=Locus(artifact=artifact.name), data=data,
            )
            return self.result(Status.OK, p_synthetic=0.99, findings=[finding], artifacts=[artifact])
        finding = Finding(
            code="provenance.watermark.partial_match",
            message=f"Part of the invisible watermark of {best.mark.name} may be present{how} ({best.agreeing_bits} of "
            f"{n_bits} bits match; chance of this by accident about {odds}). Too weak to rely on: worth a closer look.",
            direction=Direction.SYNTHETIC, strength=0.3, locus=Locus(artifact=artifact.name), data=data,
        )
        return self.result(Status.OK, p_synthetic=0.7, findings=[finding], artifacts=[artifact])
