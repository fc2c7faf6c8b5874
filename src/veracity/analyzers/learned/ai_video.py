from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo, coverage
from veracity.analyzers.learned._face_temporal import DOMINANT_FACE_FRACTION
from veracity.analyzers.scoring import probability, strength
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

MODEL_NAME = "ai_video"
STILL_MODEL_NAME = "ai_image"
ARTIFACT_NAME = "ai_video_timeline.png"
_LEGEND = {"hf_residual": "texture residual", "lf_flicker": "brightness flicker", "chroma_flicker": "colour flicker",
           "warp_explained": "change not explained by motion", "detail_jump": "detail jumps"}


@dataclass(frozen=True)
class AiVideoParams:
    window_pairs: int = 4  # frame pairs in the window that locates the strongest temporal evidence


class AiVideoAnalyzer(Analyzer[AiVideoParams]):
    """Whole-clip AI-generated video detector: temporal features (flow-warp residuals, flicker), the drift of a
    frozen ImageNet network's features from frame to frame, and the still-frame detector's clip score, combined by
    a small logistic model."""

    info = AnalyzerInfo(
        id="learned.ai_video",
        version="0.2.0",
        title="AI-generated video detector (temporal)",
        summary="A small model trained on laundered generated and camera clips; reads how texture, brightness and "
        "colour change from frame to frame compared with the motion of the scene. A weak signal.",
        media_kinds=frozenset({MediaKind.VIDEO}),
        models=("ai_video", "ai_image", "mobilenetv2_trunk"),
        requires=("cv2", "onnxruntime"),
        extra="forensics",
        shares=frozenset({"learned.temporal.clip", "video.frames"}),
        cost=2,
        fusion_weight=0.2,  # weak on its own (see the model card's grouped-CV numbers)
    )

    Params = AiVideoParams

    def __init__(self, params: AiVideoParams | None = None, model_path: Path | None = None) -> None:
        super().__init__(params)
        self.model_path = model_path
        self.model: Any = None
        self.still_model: Any = None
        self.trunk: Any = None
        self.problem: str | None = None

    def load(self) -> None:
        from veracity.analyzers.learned._tabular import TabularModel
        from veracity.analyzers.learned.trunk import Trunk, TrunkProbe
        from veracity.models.registry import ModelError, get, shipped_file

        try:
            self.model = TabularModel.from_json(self.model_path or shipped_file(MODEL_NAME))
            # learned.ai_image's probe gives the still-frame features: it must be the one this model was fitted with
            still = get(STILL_MODEL_NAME)
            if getattr(still, "sha256", None) != self.model.params.get("still_model_sha256"):
                raise ModelError("ai_video was trained with another learned.ai_image model (retrain both)")
            self.still_model = TrunkProbe.from_json(shipped_file(STILL_MODEL_NAME))
            self.trunk = Trunk.shipped()
        except (ModelError, OSError, ValueError, KeyError) as exc:
            self.model = None
            self.problem = str(exc)

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.learned import _temporal
        from veracity.analyzers.learned.trunk import consistency_features, consistency_names, video_frame_patches

        if media.kind is not MediaKind.VIDEO:
            return self.not_applicable("temporal analysis needs a video")
        if self.model is None:
            return self.result(Status.ABSTAINED, reason=f"model missing: {self.problem}",
                               hint="reinstall veracity (the model ships inside the package)")
        clip = _temporal.cached_clip(ctx, media)
        if len(clip.time_s) < _temporal.MIN_FRAMES:
            return self.abstain(f"only {len(clip.time_s)} distinct frames (a still or nearly static clip); "
                                f"at least {_temporal.MIN_FRAMES} are needed")
        face_fraction = self._face_fraction(ctx, clip)
        if face_fraction is not None and face_fraction > DOMINANT_FACE_FRACTION:
            return self.abstain(f"a face fills the frame (the largest covers {face_fraction:.0%} of it on the median "
                                f"frame): talking heads and face edits are read by learned.face_video_temporal; "
                                f"this model reads scene video")
        series = _temporal.pair_series(clip)
        frame_logits = self.still_model.logits([x for _, x in video_frame_patches(ctx)])
        names = _temporal.temporal_feature_names() + list(_temporal.STILL_FEATURES)
        parts = [_temporal.clip_features(series), _temporal.still_features(frame_logits)]
        if any(n.startswith("drift_") for n in self.model.feature_names):  # only when the model reads them
            names += consistency_names()
            parts.append(consistency_features(self.trunk, clip.rgb_small))
        features = np.concatenate(parts)
        logit = float(self.model.log_odds_named(features, names)[0])
        p = probability(logit)
        cue, start, end = self._strongest(features, names, series)
        times = clip.time_s
        start_s, end_s = float(times[start]), float(times[min(end, len(times) - 1)])
        frame_range = (int(clip.frame_idx[start]), int(clip.frame_idx[min(end, len(times) - 1)]))
        covered = coverage(float(times[0]), float(times[-1]), media.duration_s)
        plot = timeline_png(series, times, cue, (start_s, end_s), title=covered or "")
        artifact = Artifact.from_bytes(ARTIFACT_NAME, "image/png",
                                       "Per-frame-pair texture residual after motion compensation and patch "
                                       "flicker over time; the shaded span is the strongest evidence.", plot)
        synthetic = p >= 0.5
        weight = strength(p, reliability=0.6)
        data: dict[str, JsonValue] = {
            "p_synthetic": round(p, 4), "log_odds": round(logit, 4), "frames": len(times), "cue": cue,
            "span_s": round(float(times[-1] - times[0]), 3),
            **({"covered_s": [round(float(times[0]), 2), round(float(times[-1]), 2)]} if covered else {}),
            "face_fraction": None if face_fraction is None else round(face_fraction, 4),
            **{name: round(float(v), 4) for name, v in zip(names, features, strict=True)}}
        if synthetic:
            message = (f"Between {start_s:.1f} s and {end_s:.1f} s the {_temporal.CUES[cue]}, as in AI-generated "
                       f"video (model probability {p:.0%} over {len(times)} frames).")
        else:
            message = (f"Texture, brightness and colour change with the motion of the scene as in camera footage "
                       f"(model probability of AI generation {p:.0%} over {len(times)} frames); the least "
                       f"camera-like span is {start_s:.1f}–{end_s:.1f} s.")
        if covered:
            message = f"{message[:-1]}; it {covered}."
        finding = Finding(code="learned.ai_video.temporal", message=message,
                          direction=Direction.SYNTHETIC if synthetic else Direction.AUTHENTIC, strength=weight,
                          locus=Locus(start_s=start_s, end_s=end_s, frame_range=frame_range, artifact=ARTIFACT_NAME),
                          data=data)
        return self.result(Status.OK, p_synthetic=p, findings=[finding], artifacts=[artifact])

    @staticmethod
    def _face_fraction(ctx: AnalysisContext, clip: Any) -> float | None:
        """Share of the frame the largest face covers (median of 8 frames); None without MediaPipe (no gate)."""
        from veracity.analyzers.learned import _face_temporal

        try:
            return _face_temporal.gate_fraction(_face_temporal.clip_face_boxes(ctx, clip))
        except ImportError:
            return None

    def _strongest(self, features: np.ndarray, names: list[str], series: dict[str, np.ndarray]
                   ) -> tuple[str, int, int]:
        """The cue whose clip-level value pushes most towards 'synthetic' in the model, and the window of frame
        pairs where that cue's series is highest (first and last frame of the window)."""
        from veracity.analyzers.learned._temporal import CUES

        pushes: dict[str, float] = {}
        if self.model.kind == "logistic":
            index = {n: i for i, n in enumerate(self.model.feature_names)}
            mean, scale, coef = (np.asarray(self.model.params[k]) for k in ("mean", "scale", "coef"))
            for cue in CUES:
                total = 0.0
                for stat in ("med", "p90"):
                    name = f"{cue}_{stat}"
                    if name in index:
                        i = index[name]
                        total += coef[i] * (features[names.index(name)] - mean[i]) / scale[i]
                pushes[cue] = total
        cue = max(pushes, key=pushes.__getitem__) if pushes else "hf_residual"
        values = series[cue]
        width = min(self.params.window_pairs, values.size)
        sums = np.convolve(values, np.ones(width), mode="valid")
        start = int(np.argmax(sums))
        return cue, start, start + width


def timeline_png(series: dict[str, np.ndarray], time_s: np.ndarray, cue: str, span_s: tuple[float, float], *,
                 title: str = "") -> bytes:
    """A small line plot of the per-pair texture residual and patch flicker (each scaled to its range), with the
    strongest span shaded; ``title`` (e.g. how much of the clip it covers) is written at the top."""
    import io

    from PIL import Image, ImageDraw

    width, height, pad = 480, 160, 24
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    t0, t1 = float(time_s[0]), float(time_s[-1]) if time_s[-1] > time_s[0] else float(time_s[0]) + 1.0

    def x_of(t: float) -> float:
        return pad + (width - 2 * pad) * (t - t0) / (t1 - t0)

    draw.rectangle([x_of(span_s[0]), pad, x_of(span_s[1]), height - pad], fill=(255, 228, 200))
    mids = 0.5 * (time_s[:-1] + time_s[1:])
    shown = [cue] if cue not in ("hf_residual", "lf_flicker") else []
    for name, colour in zip(["hf_residual", "lf_flicker", *shown], [(200, 40, 40), (40, 90, 200), (40, 150, 60)],
                            strict=False):
        values = series[name]
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) if high > low else np.full(values.size, 0.5)
        points = [(x_of(float(t)), height - pad - (height - 2 * pad) * float(v)) for t, v in zip(mids, scaled,
                                                                                                strict=True)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        draw.text((pad + 150 * ["hf_residual", "lf_flicker", *shown].index(name), 4), _LEGEND.get(name, name),
                  fill=colour)
    draw.line([pad, height - pad, width - pad, height - pad], fill=(0, 0, 0))
    draw.text((pad, height - pad + 6), f"{t0:.1f} s", fill=(0, 0, 0))
    draw.text((width - pad - 40, height - pad + 6), f"{t1:.1f} s", fill=(0, 0, 0))
    if title:
        title = title.replace("–", "-")  # the bitmap font has no en dash
        draw.text((width // 2 - 3 * len(title), height - pad + 6), title, fill=(90, 90, 90))
    from veracity.pictures import PNG_COMPRESS_LEVEL

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
