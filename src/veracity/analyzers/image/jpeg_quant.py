from __future__ import annotations

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status


class JpegQuantizationAnalyzer(Analyzer):
    """Reads a JPEG's quantization tables: the quality it was last saved at and which kind of encoder wrote it."""

    info = AnalyzerInfo(
        id="image.jpeg_quant",
        version="0.1.0",
        title="JPEG quantization tables",
        summary="Estimates the JPEG quality and recognises the encoder family (libjpeg, Photoshop, some cameras) "
        "from the quantization tables.",
        media_kinds=frozenset({MediaKind.IMAGE}),
        cost=1,
        fusion_weight=0.0,
    )

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.image._jpeg_quant import estimate_quality, table_picture
        from veracity.media.image import open_image
        from veracity.pictures import png_bytes

        if media.container != "jpeg":
            return self.not_applicable(
                f"quantization tables exist only in JPEG files; this is {media.container.upper()}")
        with open_image(ctx.path) as image:
            tables = {k: list(v) for k, v in getattr(image, "quantization", {}).items()}
            make = str(image.getexif().get(0x010F, "")).strip()
        if not tables:
            return self.abstain("the JPEG has no readable quantization table")
        estimate = estimate_quality(tables)
        artifact = Artifact.from_bytes("jpeg_quant.luma_table", "image/png",
                                       "The luminance quantization table (bigger divisor = coarser compression)",
                                       png_bytes(table_picture(tables[min(tables)])))
        if estimate.standard:
            message = (f"Last saved with the standard libjpeg tables at quality {estimate.quality}, as Pillow, OpenCV, "
                       "GIMP, browsers and most web services write them.")
            if make:
                message += (f" The file names a camera ({make}); some cameras use these tables too, but it often "
                            "means the picture was re-saved by software after capture.")
        elif estimate.software:
            message = (f"The quantization tables match {estimate.software}"
                       f"{' (' + estimate.setting + ')' if estimate.setting else ''}: the file was last written by it "
                       f"(about IJG quality {estimate.quality}).")
        else:
            message = (f"Non-standard quantization tables (closest to libjpeg quality {estimate.quality}), as cameras, "
                       "phones and some editors write them.")
        finding = Finding(
            code="image.jpeg_quant.tables", message=message, direction=Direction.NEUTRAL, strength=0.0,
            locus=Locus(artifact=artifact.name),
            data={"quality": estimate.quality, "standard_ijg": estimate.standard, "family": estimate.family,
                  "software": estimate.software, "setting": estimate.setting,
                  "mean_abs_deviation": estimate.mean_abs_deviation, "luma_sum": estimate.luma_sum,
                  "chroma_sum": estimate.chroma_sum, "tables": len(tables), "exif_make": make or None},
        )
        return self.result(Status.OK, findings=[finding], artifacts=[artifact])
