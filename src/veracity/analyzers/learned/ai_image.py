from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import strength
from veracity.evidence import (
    AnalyzerResult,
    Direction,
    Finding,
    JsonScalar,
    Locus,
    MediaInfo,
    MediaKind,
    Status,
)

MODEL_NAME = "ai_image"


@dataclass(frozen=True)
class AiImageParams:
    flag_above: float = 0.5  # frames whose probability reaches this are listed


class AiImageAnalyzer(Analyzer[AiImageParams]):
    """AI-generated picture detector: a linear probe on frozen ImageNet MobileNetV2 features of native-resolution
    patches (stills and video frames)."""

    info = AnalyzerInfo(
        id="learned.ai_image",
        version="0.2.0",
        title="AI-generated picture detector",
        summary="A linear model on what a frozen ImageNet network sees in small patches of the picture at its own "
        "resolution, trained on damaged real and generated pictures from 90 sources (images and video frames). "
        "A weak signal.",
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        models=("ai_image", "mobilenetv2_trunk"),
        requires=("onnxruntime",),
        extra="learned",
        shares=frozenset({"video.frames"}),
        cost=1,  # 8 trunk passes per still, 16 per clip: still the fast profile's visual analyzer for video
        fusion_weight=0.2,  # weak on its own (see its model card's train -> unseen figures)
    )

    Params = AiImageParams

    def __init__(self, params: AiImageParams | None = None, model_path: Path | None = None) -> None:
        super().__init__(params)
        self.model_path = model_path
        self.model: Any = None
        self.trunk: Any = None
        self.problem: str | None = None

    def load(self) -> None:
        from veracity.analyzers.learned.trunk import Trunk, TrunkProbe
        from veracity.models.registry import ModelError, shipped_file

        try:
            self.model = TrunkProbe.from_json(self.model_path or shipped_file(MODEL_NAME))
            self.trunk = Trunk.shipped()
        except (ModelError, OSError, ValueError, KeyError) as exc:
            self.model = None
            self.problem = str(exc)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.learned.trunk import picture_patch_features, video_frame_patches

        if self.model is None:
            return self.result(Status.ABSTAINED, reason=f"model missing: {self.problem}",
                               hint="reinstall veracity (the models ship inside the package)")
        if media.kind is MediaKind.IMAGE:
            logit = float(self.model.logits([picture_patch_features(self.trunk, ctx.image())])[0])
            p = self.model.calibrated(logit, "still")
            return self.result(Status.OK, p_synthetic=p, findings=[_image_finding(p, logit)])
        framed = video_frame_patches(ctx)
        if not framed:
            return self.abstain("no video frame could be decoded")
        chosen = [f for f, _ in framed]
        logits = self.model.logits([x for _, x in framed])
        p = self.model.calibrated(clip_log_odds(logits), "clip")
        probabilities = [round(self.model.calibrated(float(v), "clip"), 4) for v in logits]
        flagged = [f.index for f, q in zip(chosen, probabilities, strict=True) if q >= self.params.flag_above]
        per_frame: list[JsonScalar] = list(probabilities)
        frame_idx: list[JsonScalar] = [f.index for f in chosen]
        frame_time_s: list[JsonScalar] = [f.time_s for f in chosen]
        finding = Finding(
            code="learned.ai_image.frames",
            message=_frames_message(p, len(flagged), len(chosen)),
            direction=Direction.SYNTHETIC if p >= 0.5 else Direction.AUTHENTIC,
            strength=strength(p, reliability=0.6),
            locus=Locus(start_s=chosen[0].time_s, end_s=chosen[-1].time_s,
                        frame_range=(chosen[0].index, chosen[-1].index)),
            data={"frames": len(chosen), "frames_flagged": len(flagged),
                  "p_mean_frame": round(float(np.mean(probabilities)), 4), "frame_idx": frame_idx,
                  "frame_time_s": frame_time_s, "frame_p_synthetic": per_frame},
        )
        return self.result(Status.OK, p_synthetic=p, findings=[finding])


def clip_log_odds(logits: np.ndarray) -> float:
    """Frames to one score: half the mean log-odds, half the mean of the top quarter (a few bad frames count)."""
    ordered = np.sort(np.asarray(logits, dtype=np.float64))[::-1]
    top = ordered[: max(1, ordered.size // 4)]
    return 0.5 * float(ordered.mean()) + 0.5 * float(top.mean())



def _image_finding(p: float, logit: float) -> Finding:
    if p >= 0.5:
        message = ("Small patches of the picture, read at full resolution, resemble those of AI-generated "
                   f"images more than camera photos (model probability {p:.0%}).")
    else:
        message = ("Small patches of the picture, read at full resolution, resemble camera photos more than "
                   f"AI-generated images (model probability of AI generation {p:.0%}).")
    return Finding(code="learned.ai_image.score", message=message,
                   direction=Direction.SYNTHETIC if p >= 0.5 else Direction.AUTHENTIC,
                   strength=strength(p, reliability=0.6),
                   data={"p_synthetic": round(p, 4), "log_odds": round(logit, 4)})


def _frames_message(p: float, flagged: int, total: int) -> str:
    if p >= 0.5:
        return (f"{flagged} of {total} sampled frames look AI-generated at full resolution "
                f"(clip probability {p:.0%}).")
    return (f"The sampled frames look like camera footage at full resolution "
            f"({flagged} of {total} frames lean towards AI generation; clip probability {p:.0%}).")
