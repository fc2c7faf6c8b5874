from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo, coverage
from veracity.analyzers.scoring import probability, strength
from veracity.evidence import (
    AnalyzerResult,
    Direction,
    Finding,
    JsonValue,
    Locus,
    MediaInfo,
    MediaKind,
    Status,
)

MODEL_NAME = "face_video_temporal"
# Plain-words reading of the features that push a score, for the finding's message.
_READINGS = {"face": "the face's texture and noise change from frame to frame differently from the background's",
             "bg": "the background's texture and noise change from frame to frame unlike camera footage",
             "diff": "the face and the background differ in how their texture, flicker and noise change over time",
             "noise": "the sensor noise is not steady from frame to frame, or not shared by face and background",
             "head": "the head moves unlike a filmed head (too smooth or too jerky)"}


class FaceVideoTemporalAnalyzer(Analyzer):
    """Temporal texture of the face against the background, for clips where a face fills the frame (talking heads,
    face swaps, reenactments): the counterpart of ``learned.ai_video``, which abstains on such clips."""

    info = AnalyzerInfo(
        id="learned.face_video_temporal",
        version="0.1.0",
        title="Face-clip temporal detector",
        summary="A small model trained on laundered talking-head, face-swap and camera face clips; compares how "
        "texture, flicker and sensor noise change over time inside the face and in the background, and how "
        "smoothly the head moves. A weak signal.",
        media_kinds=frozenset({MediaKind.VIDEO}),
        models=("face_video_temporal",),
        evidence=frozenset({"face"}),
        requires=("cv2", "mediapipe"),
        extra="face",
        shares=frozenset({"learned.temporal.clip"}),
        cost=2,
        fusion_weight=0.5,  # grouped-CV AUC 0.79 on face clips (model card), like face.blending
    )

    def __init__(self, model_path: Path | None = None) -> None:
        super().__init__()
        self.model_path = model_path
        self.model: Any = None
        self.problem: str | None = None

    def load(self) -> None:
        from veracity.analyzers.learned._tabular import TabularModel
        from veracity.models.registry import ModelError, shipped_file

        try:
            self.model = TabularModel.from_json(self.model_path or shipped_file(MODEL_NAME))
        except (ModelError, OSError, ValueError, KeyError) as exc:
            self.model = None
            self.problem = str(exc)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.learned import _face_temporal, _temporal

        if media.kind is not MediaKind.VIDEO:
            return self.not_applicable("temporal analysis needs a video")
        if self.model is None:
            return self.result(Status.ABSTAINED, reason=f"model missing: {self.problem}",
                               hint="reinstall veracity (the model ships inside the package)")
        clip = _temporal.cached_clip(ctx, media)
        if len(clip.time_s) < _temporal.MIN_FRAMES:
            return self.abstain(f"only {len(clip.time_s)} distinct frames (a still or nearly static clip); "
                                f"at least {_temporal.MIN_FRAMES} are needed")
        boxes = _face_temporal.clip_face_boxes(ctx, clip)
        fraction = _face_temporal.gate_fraction(boxes)
        if fraction < _face_temporal.MIN_FACE_FRACTION:
            return self.abstain(f"no face large enough to measure (the largest covers {fraction:.1%} of the frame "
                                f"on the median frame; at least {_face_temporal.MIN_FACE_FRACTION:.1%} is needed)")
        features, medians = _face_temporal.region_features(clip.rgb_small, boxes)
        names = _face_temporal.feature_names()
        logit = float(self.model.log_odds_named(features, names)[0])
        p = probability(logit)
        synthetic = p >= 0.5
        reading = self._strongest(features, names, synthetic)
        times = clip.time_s
        start_s, end_s = float(times[0]), float(times[-1])
        data: dict[str, JsonValue] = {
            "p_synthetic": round(p, 4), "log_odds": round(logit, 4), "frames": len(times),
            "face_fraction": round(fraction, 4), "cue": reading,
            **{name: round(float(v), 4) for name, v in zip(names, features, strict=True)}}
        covered = coverage(start_s, end_s, media.duration_s)
        if synthetic:
            message = (f"Over {start_s:.1f}–{end_s:.1f} s {_READINGS[reading]}, as in generated or re-rendered "
                       f"face video (model probability {p:.0%} over {len(times)} frames).")
        else:
            message = (f"The face's texture, flicker and noise change over time like the background's and like "
                       f"camera footage (model probability of a generated or re-rendered face {p:.0%} over "
                       f"{len(times)} frames).")
        if covered:
            message, data["covered_s"] = f"{message[:-1]}; it {covered}.", [round(start_s, 2), round(end_s, 2)]
        finding = Finding(code="learned.face_video_temporal.face_vs_background", message=message,
                          direction=Direction.SYNTHETIC if synthetic else Direction.AUTHENTIC,
                          strength=strength(p, reliability=0.6),
                          locus=Locus(start_s=start_s, end_s=end_s,
                                      frame_range=(int(clip.frame_idx[0]), int(clip.frame_idx[-1]))),
                          data=data)
        return self.result(Status.OK, p_synthetic=p, findings=[finding])

    def _strongest(self, features: np.ndarray, names: list[str], synthetic: bool) -> str:
        """The feature group whose standardised contribution pushes most towards the verdict."""
        index = {n: i for i, n in enumerate(names)}
        mean, scale, coef = (np.asarray(self.model.params[k]) for k in ("mean", "scale", "coef"))
        pushes: dict[str, float] = {}
        for i, name in enumerate(self.model.feature_names):
            group = name.split("_", 1)[0]
            push = float(coef[i] * (features[index[name]] - mean[i]) / scale[i])
            pushes[group] = pushes.get(group, 0.0) + (push if synthetic else -push)
        best = max(pushes, key=pushes.__getitem__) if pushes else "diff"
        return best if best in _READINGS else "diff"
