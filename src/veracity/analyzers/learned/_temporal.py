"""Temporal features of a video clip for the AI-generated video detector (``learned.ai_video``).

What they capture: diffusion and GAN video generators make each frame by denoising, so the fine texture is
re-invented frame after frame instead of being carried along by the motion of the scene. That shows as

- *texture swimming*: after warping the next frame back onto the current one with dense optical flow (DIS,
  Kroeger et al., ECCV 2016), the high-frequency residual stays large compared with the frame's own texture
  (``hf_residual``); in camera footage motion explains most of the change (``warp_explained``);
- *flicker*: block-wise brightness and colour changes that motion does not explain (``lf_flicker``,
  ``chroma_flicker``), jumps of the global brightness (``luma_jump``, ``luma_accel``) and of the amount of fine
  detail (``detail_jump``, ``detail_accel``) — the temporal inconsistencies used by e.g. Chang et al.
  ("What Matters in Detecting AI-Generated Videos like Sora?", 2024) and Bai et al. (AIGVDet, 2024), here as
  hand-made measurements instead of a learned network;
- *flow that is too smooth or incoherent*: flow roughness relative to its magnitude (``flow_rough``) and how much
  the flow changes from one frame pair to the next (``flow_accel``);
- ``motion``: median flow magnitude per frame pair (a context variable for the others).

What they avoid: frame rate, length, resolution and codec. Frames are resized (short side 256 px) and centre
cropped to 256×256; consecutive near-identical frames (a re-encode of an 8 fps clip at 30 fps repeats frames)
are dropped (a static shot may leave too few: the analyzer then abstains); the distinct frames are then sampled
on a fixed 8 frames-per-second grid (clips with fewer distinct frames keep all of them), and at most
``MAX_FRAMES`` frames from the start are measured. Every feature is a per-frame-pair (or triple) quantity
summarised by its median and 90th percentile, so clip length does not enter; none is divided by time.
``tests/analyzers/learned/test_ai_video.py`` checks that a clip written at 10 and at 30 fps gives close values.

The shipped model (``ai_video_v2``) reads the residual / flicker family (``hf_residual``, ``lf_flicker``,
``chroma_flicker``, ``warp_explained``) and ``learned.ai_image``'s frame scores (``still_features``); the other
series are computed and shown, not weighted, and the trunk drift (``trunk.consistency_features``) is computed only
for a model that reads it (see the model card).

Where they fail: heavy compression smooths away the fine texture they read (both classes look alike); static
shots with no motion give little to measure; fast motion, motion blur, occlusions and scene cuts break optical
flow and raise the residuals of real footage; camera auto-exposure and stage lighting flicker like generated
video; screen recordings, animation and video games are out of scope; generators with strong temporal layers
(recent DiT video models) re-invent texture much less. Talking-head animators that warp one photo (SadTalker,
NeRF renderers) show the opposite tell — texture too stable — and score as camera footage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from veracity.evidence import MediaInfo

ANALYSIS_PX = 256
ANALYSIS_FPS = 8.0  # distinct frames are sampled on this time grid
MAX_FRAMES = 24  # measured frames (3 s at the analysis rate)
MIN_FRAMES = 6  # fewer distinct frames: abstain
DECODE_MAX_SIDE_PX = 512
DUPLICATE_MAD = 1.0  # mean absolute grey difference (0..255) below which a frame repeats the last kept one
MAX_SPAN_S = 10.0  # decoded from the start at most; static shots may not reach MAX_FRAMES distinct frames
BORDER_PX = 8
_DECODE_MAX_FRAMES = 600

PAIR_FEATURES = ("warp_explained", "hf_residual", "lf_flicker", "chroma_flicker", "luma_jump", "detail_jump",
                 "motion", "flow_rough")
TRIPLE_FEATURES = ("flow_accel", "luma_accel", "detail_accel")
# Series shown in the report and used to locate the strongest temporal evidence, with their plain-words name.
CUES = {"hf_residual": "fine texture changes between frames in a way the motion does not explain",
        "lf_flicker": "brightness flickers in patches between frames",
        "chroma_flicker": "colour flickers between frames",
        "warp_explained": "frame changes are poorly explained by the motion in the scene",
        "detail_jump": "the amount of fine detail jumps from frame to frame"}


@dataclass(frozen=True)
class Clip:
    """Analysis frames: 256×256, distinct, on the analysis time grid."""

    time_s: np.ndarray  # (n,) display time of each frame
    frame_idx: np.ndarray  # (n,) index in the decoded stream
    grey: np.ndarray  # (n, 256, 256) float32 0..255
    chroma: np.ndarray  # (n, 256, 256, 2) float32 Cb, Cr
    rgb_small: list[np.ndarray]  # decoded frames (longest side ≤ 512 px), for the still-frame detector


def to_analysis(rgb: np.ndarray) -> np.ndarray:
    """Short side to 256 px (area / cubic resampling), centre crop 256×256; RGB float32."""
    import cv2

    height, width = rgb.shape[:2]
    scale = ANALYSIS_PX / min(height, width)
    new_w, new_h = max(ANALYSIS_PX, round(width * scale)), max(ANALYSIS_PX, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(np.ascontiguousarray(rgb[..., :3]), (new_w, new_h), interpolation=interpolation)
    y0, x0 = (new_h - ANALYSIS_PX) // 2, (new_w - ANALYSIS_PX) // 2
    return resized[y0 : y0 + ANALYSIS_PX, x0 : x0 + ANALYSIS_PX].astype(np.float32)


def _grey_chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    grey = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.1687 * r - 0.3313 * g + 0.5 * b
    cr = 0.5 * r - 0.4187 * g - 0.0813 * b
    return grey.astype(np.float32), np.stack([cb, cr], axis=-1).astype(np.float32)


def cached_clip(ctx: Any, info: MediaInfo) -> Clip:
    """``read_clip`` once per analysis (``ctx``: the ``AnalysisContext``): learned.ai_video and
    learned.face_video_temporal read the same frames, made in the context's one decoding pass with its other shared
    video work (``ctx.frames()``, the face tracks; see ``veracity.analyzers._video_pass``)."""
    return ctx.video_product("learned.temporal.clip")  # type: ignore[no-any-return]


def clip_sampling(info: MediaInfo) -> tuple[MediaInfo, Any, float]:
    """The sampling ``read_clip`` decodes (for ``media.video.iter_frames_multi``): every frame from the start, at
    most ``DECODE_MAX_SIDE_PX``, up to ``MAX_SPAN_S``."""
    from veracity.config import SamplingPlan

    plan = SamplingPlan(fps_cap=1000.0, max_frames=_DECODE_MAX_FRAMES, max_side_px=DECODE_MAX_SIDE_PX)
    unspread = info.model_copy(update={"duration_s": None})  # every frame from the start, not spread over the clip
    return unspread, plan, MAX_SPAN_S


def read_clip(info: MediaInfo) -> Clip:
    """Decode from the start, drop repeated frames, and keep the distinct frame nearest each point of the 8 fps
    grid: at most ``MAX_FRAMES`` frames, from at most the first ``MAX_SPAN_S`` seconds."""
    from veracity.media.video import iter_frames

    unspread, plan, _until = clip_sampling(info)
    return select_frames((f.index, f.time_s, f.rgb) for f in iter_frames(unspread, plan))


def select_frames(decoded: Iterable[tuple[int, float, np.ndarray]]) -> Clip:
    """Distinct frames (mean absolute grey difference to the last kept one ≥ ``DUPLICATE_MAD``: H.264 repeats of
    a frame differ by up to ~0.8), then the one nearest each point of the 8 fps grid."""
    kept: list[tuple[int, float, np.ndarray, np.ndarray, np.ndarray]] = []
    last_grey: np.ndarray | None = None
    for index, time_s, rgb in decoded:
        if time_s > MAX_SPAN_S or (len(kept) >= MAX_FRAMES and kept[-1][1] - kept[0][1] >= MAX_FRAMES / ANALYSIS_FPS):
            break
        grey, chroma = _grey_chroma(to_analysis(rgb))
        if last_grey is not None and float(np.mean(np.abs(grey - last_grey))) < DUPLICATE_MAD:
            continue
        kept.append((index, time_s, rgb, grey, chroma))
        last_grey = grey
    if not kept:
        return Clip(np.zeros(0), np.zeros(0, int), np.zeros((0, ANALYSIS_PX, ANALYSIS_PX), np.float32),
                    np.zeros((0, ANALYSIS_PX, ANALYSIS_PX, 2), np.float32), [])
    times = np.array([k[1] for k in kept])
    grid = times[0] + np.arange(0.0, times[-1] - times[0] + 0.5 / ANALYSIS_FPS, 1.0 / ANALYSIS_FPS)
    chosen = sorted({int(np.argmin(np.abs(times - t))) for t in grid})[:MAX_FRAMES]
    picked = [kept[i] for i in chosen]
    return Clip(time_s=np.array([p[1] for p in picked]), frame_idx=np.array([p[0] for p in picked]),
                grey=np.stack([p[3] for p in picked]), chroma=np.stack([p[4] for p in picked]),
                rgb_small=[p[2] for p in picked])


def _lowpass(x: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(x, (0, 0), 3.0)


def _inner(x: np.ndarray) -> np.ndarray:
    return x[BORDER_PX:-BORDER_PX, BORDER_PX:-BORDER_PX]


def _block_means(x: np.ndarray, block_px: int = 16) -> np.ndarray:
    h, w = x.shape[0] // block_px * block_px, x.shape[1] // block_px * block_px
    return x[:h, :w].reshape(h // block_px, block_px, w // block_px, block_px, *x.shape[2:]).mean(axis=(1, 3))


def pair_series(clip: Clip) -> dict[str, np.ndarray]:
    """Per-frame-pair and per-triple measurements (arrays of length n-1 and n-2)."""
    import cv2

    n = clip.grey.shape[0]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)  # type: ignore[attr-defined]
    ys, xs = np.mgrid[0:ANALYSIS_PX, 0:ANALYSIS_PX].astype(np.float32)
    series: dict[str, list[float]] = {name: [] for name in PAIR_FEATURES}
    flows = []
    detail = []
    for t in range(n):
        hp = clip.grey[t] - _lowpass(clip.grey[t])
        detail.append(float(np.log(_inner(hp).std() + 0.5)))
    for t in range(n - 1):
        a, b = clip.grey[t], clip.grey[t + 1]
        flow = dis.calc(np.clip(a, 0, 255).astype(np.uint8), np.clip(b, 0, 255).astype(np.uint8), None)
        flows.append(flow)
        map_x, map_y = xs + flow[..., 0], ys + flow[..., 1]
        warped = cv2.remap(b, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        warped_chroma = cv2.remap(clip.chroma[t + 1], map_x, map_y, cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        residual = _inner(a - warped)
        plain = _inner(a - b)
        hp_res = residual - _inner(_lowpass(a - warped))
        hp_a = _inner(a - _lowpass(a))
        chroma_res = _inner(clip.chroma[t] - warped_chroma)
        magnitude = np.hypot(flow[..., 0], flow[..., 1])
        grad = sum(np.abs(np.diff(flow[..., c], axis=axis)).mean() for c in (0, 1) for axis in (0, 1))
        series["warp_explained"].append(float(np.log((residual.std() + 1.0) / (plain.std() + 1.0))))
        series["hf_residual"].append(float(np.log((hp_res.std() + 0.5) / (hp_a.std() + 0.5))))
        series["lf_flicker"].append(float(np.log(np.abs(_block_means(residual)).mean() + 0.1)))
        series["chroma_flicker"].append(float(np.log(np.abs(_block_means(chroma_res)).mean() + 0.1)))
        series["luma_jump"].append(float(np.log(abs(float(a.mean() - b.mean())) + 0.1)))
        series["detail_jump"].append(abs(detail[t + 1] - detail[t]))
        series["motion"].append(float(np.log(np.median(magnitude) + 0.05)))
        series["flow_rough"].append(float(np.log(grad / 4 + 0.01) - np.log(magnitude.mean() + 0.5)))
    luma = clip.grey.mean(axis=(1, 2))
    out = {name: np.asarray(values) for name, values in series.items()}
    out["flow_accel"] = np.array([
        float(np.log(np.abs(flows[t + 1] - flows[t]).mean() + 0.05)
              - np.log(np.abs(flows[t]).mean() + np.abs(flows[t + 1]).mean() + 0.5)) for t in range(n - 2)])
    out["luma_accel"] = np.log(np.abs(luma[2:] - 2 * luma[1:-1] + luma[:-2]) + 0.1)
    out["detail_accel"] = np.abs(np.diff(np.asarray(detail), 2))
    return out


def temporal_feature_names() -> list[str]:
    return [f"{name}_{stat}" for name in PAIR_FEATURES + TRIPLE_FEATURES for stat in ("med", "p90")]


def clip_features(series: dict[str, np.ndarray]) -> np.ndarray:
    """Median and 90th percentile of every series, in ``temporal_feature_names()`` order."""
    values = []
    for name in PAIR_FEATURES + TRIPLE_FEATURES:
        x = series[name]
        values += [float(np.median(x)), float(np.percentile(x, 90))] if x.size else [0.0, 0.0]
    return np.asarray(values, dtype=np.float64)


STILL_FEATURES = ("still_clip_logit", "still_frame_spread")


def still_features(frame_logits: np.ndarray) -> np.ndarray:
    """``learned.ai_image``'s clip score (``clip_log_odds`` of its raw frame log-odds) and their spread."""
    from veracity.analyzers.learned.ai_image import clip_log_odds

    logits = np.asarray(frame_logits, dtype=np.float64)
    return np.array([clip_log_odds(logits), float(np.std(logits))])
