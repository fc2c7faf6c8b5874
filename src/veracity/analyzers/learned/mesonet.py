from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Direction, Finding, Locus, MediaInfo, MediaKind, Status

VARIANT_FILES = {"df": ("mesonet4_df", "meso4_df.onnx"), "f2f": ("mesonet4_f2f", "meso4_f2f.onnx")}


@dataclass(frozen=True)
class MesoNetParams:
    variant: str = "df"  # "df" (Deepfake-trained) or "f2f" (Face2Face-trained)
    max_crops_per_track: int = 24
    flag_above: float = 0.5


class MesoNetAnalyzer(Analyzer[MesoNetParams]):
    """MesoNet-4 peer baseline (published weights) over the face pipeline's aligned face crops."""

    info = AnalyzerInfo(
        id="learned.mesonet",
        version="0.1.1",
        title="MesoNet-4 face-forgery peer",
        summary="Published 2018 face-swap detector (Afchar et al.) scoring aligned face crops; a peer baseline, "
        "not weighted in the verdict. Needs `veracity models fetch mesonet4_df`.",
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        models=("mesonet4_df",),
        evidence=frozenset({"face"}),
        requires=("onnxruntime", "mediapipe", "cv2"),
        extra="learned",
        shares=frozenset({"face.tracks"}),
        cost=3,
        fusion_weight=0.0,
    )

    Params = MesoNetParams

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.face._tracking import face_tracks
        from veracity.analyzers.learned._mesonet_run import p_fake
        from veracity.media.video import evenly_spread
        from veracity.models.registry import ModelError, require_output

        model_name, output = VARIANT_FILES[self.params.variant]
        try:
            onnx_path = require_output(model_name, output, ctx.settings.model_dir)
        except ModelError as exc:
            return self.result(Status.ABSTAINED, reason=f"model missing: {exc}",
                               hint=f"veracity models fetch {model_name}")
        tracks = [t for t in face_tracks(ctx).tracks if t.crops]
        if not tracks:
            return self.abstain("no face was found to score")
        findings = []
        track_scores: list[tuple[float, Any]] = []
        for track in tracks:
            crops = evenly_spread(track.crops, self.params.max_crops_per_track)
            scores = p_fake(onnx_path, [c[2] for c in crops])
            mean = float(scores.mean())
            track_scores.append((mean, track))
            flagged = int((scores >= self.params.flag_above).sum())
            findings.append(Finding(
                code="learned.mesonet.face",
                message=f"MesoNet-4 ({self.params.variant.upper()} weights) finds {flagged} of {len(crops)} crops of "
                f"face {track.track_id} manipulated (mean probability {mean:.0%}); a 2018 peer model, shown for "
                "comparison.",
                direction=Direction.NEUTRAL,
                strength=0.0,
                locus=Locus(start_s=crops[0][1], end_s=crops[-1][1], frame_range=(crops[0][0], crops[-1][0]),
                            face_track=track.track_id),
                data={"variant": self.params.variant, "crops": len(crops), "p_fake_mean": round(mean, 4),
                      "frame_idx": [int(c[0]) for c in crops], "frame_time_s": [float(c[1]) for c in crops],
                      "frame_p_fake": [round(float(s), 4) for s in scores]},
            ))
        p_synthetic = max(score for score, _track in track_scores)
        return self.result(Status.OK, p_synthetic=p_synthetic, findings=findings)


