from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import strength
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status

MODEL_NAME = "face_forgery"
HEATMAP = "learned.face_forgery.heatmap"


@dataclass(frozen=True)
class FaceForgeryParams:
    max_crops_per_track: int = 16  # evenly spread over the track (the training script scores the same crops)
    max_tracks: int = 4  # the first tracks with crops, in time order
    # p just over a half is no finding (the shipped calibration stays near 0.5: a 51 % face is not "pasted in"),
    # and the ~37-run occlusion map is drawn only for a flagged face
    flag_above: float = 0.6


class FaceForgeryAnalyzer(Analyzer[FaceForgeryParams]):
    """Veracity's face-forgery model on the face pipeline's aligned crops: finds blending seams of pasted faces."""

    info = AnalyzerInfo(
        id="learned.face_forgery",
        version="0.2.2",
        title="Face-forgery detector",
        summary="An ImageNet MobileNetV2 trunk with a linear probe trained on real faces against self-blended and "
        "swapped copies of them; looks for the seam where a face was pasted or blended in (images and video). "
        "Blind to faces generated whole.",
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        models=("face_forgery",),
        evidence=frozenset({"face"}),
        requires=("onnxruntime", "mediapipe", "cv2"),
        extra="learned",
        shares=frozenset({"face.tracks"}),
        cost=2,
        fusion_weight=0.3,
    )

    Params = FaceForgeryParams

    def __init__(self, params: FaceForgeryParams | None = None, model_path: Path | None = None) -> None:
        super().__init__(params)
        self.model_path = model_path
        self.onnx_path: Path | None = None
        self.problem: str | None = None

    def load(self) -> None:
        from veracity.analyzers.face._tracking import load_face_tracking
        from veracity.analyzers.learned._face_forgery_run import session
        from veracity.models.registry import ModelError, shipped_file

        try:
            self.onnx_path = self.model_path or shipped_file(MODEL_NAME)
        except ModelError as exc:
            self.problem = str(exc)
            return
        session(self.onnx_path)  # the model session, once per process
        load_face_tracking()

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.face._tracking import face_tracks
        from veracity.analyzers.learned._face_forgery_run import calibration, logits, track_logit
        from veracity.media.video import evenly_spread

        if self.onnx_path is None:
            return self.result(Status.ABSTAINED, reason=f"model missing: {self.problem}",
                               hint="reinstall veracity (the model ships inside the package)")
        tracks = [t for t in face_tracks(ctx).tracks if t.crops][: self.params.max_tracks]
        if not tracks:
            return self.abstain("no face was found to score")
        calib = calibration(self.onnx_path)
        scored = []
        for track in tracks:
            crops = evenly_spread(track.crops, self.params.max_crops_per_track)
            crop_logits = logits(self.onnx_path, [c[2] for c in crops])
            scored.append((calib.p(track_logit(crop_logits)), track, crops, crop_logits))
        worst = max(scored, key=lambda s: s[0])
        findings = [self._finding(p, track, crops, crop_logits, calib, track is worst[1])
                    for p, track, crops, crop_logits in scored]
        return self.result(Status.OK, p_synthetic=worst[0], findings=findings, artifacts=[self._heatmap(*worst[1:3],
                           worst[3], still=media.kind is MediaKind.IMAGE)])

    def _finding(self, p: float, track: Any, crops: list[Any], crop_logits: np.ndarray, calib: Any,
                 with_heatmap: bool) -> Finding:
        crop_p = [calib.p(float(z)) for z in crop_logits]
        top = int(np.argmax(crop_logits))
        flagged = sum(q >= self.params.flag_above for q in crop_p)
        box = _box_at(track, crops[top][0])
        synthetic = p >= self.params.flag_above
        message = (f"Face {track.track_id} shows signs of being pasted or blended in: the face-forgery model gives "
                   f"{p:.0%} ({flagged} of {len(crops)} frames above {self.params.flag_above:.0%})."
                   if synthetic else
                   f"The face-forgery model finds no clear blending seam on face {track.track_id} ({p:.0%}; "
                   f"{flagged} of {len(crops)} frames above {self.params.flag_above:.0%}). It cannot see faces "
                   "that were generated whole.")
        return Finding(
            code="learned.face_forgery.face",
            message=message,
            direction=Direction.SYNTHETIC if synthetic else Direction.NEUTRAL,
            strength=strength(p) if synthetic else 0.0,
            locus=Locus(start_s=crops[0][1], end_s=crops[-1][1], frame_idx=int(crops[top][0]),
                        frame_range=(int(crops[0][0]), int(crops[-1][0])), box_xyxy_px=box,
                        face_track=track.track_id, artifact=HEATMAP if with_heatmap else None),
            data={"p_track": round(p, 4), "crops": len(crops), "crops_flagged": flagged,
                  "frame_idx": [int(c[0]) for c in crops], "frame_time_s": [round(float(c[1]), 3) for c in crops],
                  "frame_p_synthetic": [round(q, 4) for q in crop_p]},
        )

    def _heatmap(self, track: Any, crops: list[Any], crop_logits: np.ndarray, *, still: bool) -> Artifact:
        """The crop the model finds most suspicious; beside it, when the face is flagged, the occlusion map of what
        raised its score (≈37 model runs). An unflagged face gets the crop alone: a map of what "raised" a low
        score would paint a real face red for nothing."""
        from veracity.analyzers.learned._face_forgery_run import calibration, occlusion_map
        from veracity.pictures import heatmap_overlay, png_bytes

        assert self.onnx_path is not None
        top = int(np.argmax(crop_logits))
        frame_idx, time_s, crop = crops[top]
        where = f"Face {track.track_id}{'' if still else f' at {time_s:.2f} s (frame {frame_idx})'}"
        flagged = calibration(self.onnx_path).p(float(crop_logits[top])) >= self.params.flag_above
        if not flagged:
            return Artifact.from_bytes(
                HEATMAP, "image/png", f"{where}, the crop the model finds most suspicious (no region is mapped: the "
                "model found no blending seam)", png_bytes(crop, max_side_px=900))
        overlay = heatmap_overlay(crop, occlusion_map(self.onnx_path, crop), alpha=0.6)
        return Artifact.from_bytes(
            HEATMAP, "image/png",
            f"{where}, the crop the model finds most suspicious: "
            "left as seen, right the regions whose hiding lowers the score most (red = most)",
            png_bytes(np.concatenate([crop, overlay], axis=1), max_side_px=900))


def _box_at(track: Any, frame_idx: int) -> tuple[int, int, int, int] | None:
    for observation in track.observations:
        if observation.frame_idx == frame_idx:
            return tuple(int(v) for v in observation.box_xyxy_px)  # type: ignore[return-value]
    return None
