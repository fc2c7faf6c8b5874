from __future__ import annotations

from dataclasses import dataclass

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status


@dataclass(frozen=True)
class CopyMoveParams:
    max_side_px: int = 1024
    min_inliers: int = 10  # consistent keypoint pairs from which a duplicated region is reported


class CopyMoveAnalyzer(Analyzer[CopyMoveParams]):
    """Finds a region duplicated elsewhere in the same picture (cloned to hide or repeat something)."""

    info = AnalyzerInfo(
        id="image.copy_move",
        version="0.1.0",
        title="Copy-move (cloned regions)",
        summary="Matches the picture's keypoints against themselves to find a region copied elsewhere in it.",
        media_kinds=frozenset({MediaKind.IMAGE}),
        requires=("cv2",),
        extra="forensics",
        cost=2,
        fusion_weight=0.3,
    )

    Params = CopyMoveParams
    imports = ("cv2", "scipy.ndimage")

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.image._copy_move import find_copy_move, match_map
        from veracity.pictures import draw_box, heatmap_overlay, png_bytes

        working = ctx.working_image()  # matched at ≤ max_side_px anyway: the bounded copy loses nothing
        rgb = working.rgb
        found = find_copy_move(rgb, max_side_px=self.params.max_side_px)
        if found.inliers < self.params.min_inliers or found.source_box_xyxy_px is None:
            finding = Finding(
                code="image.copy_move.none",
                message="No region appears duplicated elsewhere in the picture.",
                direction=Direction.NEUTRAL, strength=0.0, data={"consistent_pairs": found.inliers},
            )
            return self.result(Status.OK, p_synthetic=0.45, findings=[finding])
        heat = match_map((rgb.shape[0], rgb.shape[1]), found)
        overlay = heatmap_overlay(rgb, heat, box_xyxy=found.target_box_xyxy_px)
        shown = overlay.shape[1] / rgb.shape[1]  # the overlay is made at evidence-picture size
        draw_box(overlay, tuple(round(v * shown) for v in found.source_box_xyxy_px),  # type: ignore[arg-type]
                 colour=(0, 255, 255))
        artifact = Artifact.from_bytes("copy_move.matches", "image/png",
                                       "Matched points of a duplicated region: copy (magenta box) and its likely "
                                       "source (cyan box)", png_bytes(overlay))
        assert found.target_box_xyxy_px is not None and found.shift_px is not None
        target_box, source_box = working.to_full_box(found.target_box_xyxy_px), working.to_full_box(
            found.source_box_xyxy_px)
        shift = (found.shift_px[0] * working.factor, found.shift_px[1] * working.factor)
        finding = Finding(
            code="image.copy_move.duplicated_region",
            message=f"A region appears twice in the picture ({found.inliers} matching points, shifted by about "
            f"{abs(shift[0]):.0f}×{abs(shift[1]):.0f} px), as when something is cloned to hide or "
            "repeat it. Repeating patterns such as tiles or windows can also cause this.",
            direction=Direction.SYNTHETIC, strength=round(0.6 * found.score, 3),
            locus=Locus(box_xyxy_px=target_box, artifact=artifact.name),
            data={"consistent_pairs": found.inliers, "shift_x_px": round(shift[0], 1),
                  "shift_y_px": round(shift[1], 1),
                  "source_box_xyxy_px": ",".join(str(v) for v in source_box)},
        )
        # A duplicated region shows editing, not AI generation, and repeating patterns can mimic it: capped at 0.75.
        return self.result(Status.OK, p_synthetic=0.5 + 0.25 * found.score, findings=[finding], artifacts=[artifact])
