from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import probability, strength
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
    max_frames: int = 12  # video frames scored, evenly spread over the sampled frames
    flag_above: float = 0.5  # frames whose probability reaches this are listed


class AiImageAnalyzer(Analyzer[AiImageParams]):
    """Full-frame AI-generation detector: logistic regression on colour statistics of fixed-size views."""

    info = AnalyzerInfo(
        id="learned.ai_image",
        version="0.1.0",
        title="AI-generated picture detector",
        summary="A small model trained on laundered real and generated pictures; reads the colour statistics that "
        "image generators leave (images and video frames). A weak signal.",
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        models=("ai_image",),
        cost=1,  # cheap (≤ 12 frames, colour features): the fast profile's visual analyzer for video
        fusion_weight=0.2,  # weak on its own: grouped-CV AUC about 0.65 on laundered stills (see its model card)
    )

    Params = AiImageParams

    def __init__(self, params: AiImageParams | None = None, model_path: Path | None = None) -> None:
        super().__init__(params)
        self.model_path = model_path
        self.model: Any = None
        self.problem: str | None = None

    def load(self) -> None:
        from veracity.analyzers.learned._tabular import TabularModel
        from veracity.models.registry import ModelError, shipped_file

        try:
            path = self.model_path or shipped_file(MODEL_NAME)
            self.model = TabularModel.from_json(path)
        except (ModelError, OSError, ValueError) as exc:
            self.problem = str(exc)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.learned._ai_image_features import feature_names, image_features, is_colour_feature
        from veracity.media.video import evenly_spread

        if self.model is None:
            return self.result(Status.ABSTAINED, reason=f"model missing: {self.problem}",
                               hint="reinstall veracity (the model ships inside the package)")
        colour_only = all(is_colour_feature(n) for n in self.model.feature_names)
        if media.kind is MediaKind.IMAGE:
            features = image_features(ctx.image(), colour_only=colour_only)
            logit = float(self.model.log_odds_named(features, feature_names())[0])
            p = probability(logit)
            return self.result(Status.OK, p_synthetic=p, findings=[_image_finding(p, logit)])
        frames = ctx.frames()
        if not frames:
            return self.abstain("no video frame could be decoded")
        chosen = evenly_spread(frames, self.params.max_frames)
        features = np.stack([image_features(f.rgb, colour_only=colour_only) for f in chosen])
        logits = self.model.log_odds_named(features, feature_names())
        score = clip_log_odds(logits)
        p = probability(score)
        probabilities = [round(float(v), 4) for v in probability(np.asarray(logits))]
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
        message = ("The picture's colour statistics resemble those of AI-generated images "
                   f"more than camera photos (model probability {p:.0%}).")
    else:
        message = ("The picture's colour statistics resemble camera photos more than "
                   f"AI-generated images (model probability of AI generation {p:.0%}).")
    return Finding(code="learned.ai_image.score", message=message,
                   direction=Direction.SYNTHETIC if p >= 0.5 else Direction.AUTHENTIC,
                   strength=strength(p, reliability=0.6),
                   data={"p_synthetic": round(p, 4), "log_odds": round(logit, 4)})


def _frames_message(p: float, flagged: int, total: int) -> str:
    if p >= 0.5:
        return (f"{flagged} of {total} sampled frames look AI-generated by their colour "
                f"statistics (clip probability {p:.0%}).")
    return (f"The sampled frames look like camera footage by their colour statistics "
            f"({flagged} of {total} frames lean towards AI generation; clip probability {p:.0%}).")
