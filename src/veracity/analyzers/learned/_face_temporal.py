"""Face size in a clip, and temporal features of the face region against the background.

Two users:

- ``learned.ai_video`` abstains when one face fills a large share of the frame (``gate_fraction``): talking-head
  generators (SadTalker, MuseV, GeneFace, SyncTalk) render a texture that is *too stable*, the opposite of the
  flicker that model reads, so such clips go to ``learned.face_video_temporal`` instead;
- ``learned.face_video_temporal`` measures, on the same analysis frames as ``_temporal.read_clip`` (distinct frames
  on an 8 fps grid, at most 24), the motion-compensated residual, patch flicker and colour flicker *inside the
  face box* and *in the background* separately, and their differences: a swap or a re-render changes the face's
  temporal texture but not the background's, while a rendered talking head is too smooth everywhere. Also the
  sensor-noise level of face and background over time (a camera's noise is the same in both and steady from frame
  to frame), and how smooth the head's motion is (generated heads glide; a filmed head jerks).

Faces are found with MediaPipe's BlazeFace (full-range model), the detector ``veracity.analyzers.face`` uses, on the
decoded frames (longest side ≤ 512 px). Frames are rescaled, without cropping (the background at the sides matters
here), so that the face box's longer side is ``FACE_PX``: noise, residual and motion are then measured at the scale
of the face, not of the frame (at frame scale they followed the face's share of the frame, i.e. the framing of the
shot: close-ups are smoother); every feature is a per-frame-pair quantity summarised by median and
90th percentile, or a ratio, so frame rate, length and resolution don't enter.

Where they fail: faces smaller than ``MIN_FACE_FRACTION`` of the frame, profiles and fast head turns (the box
drifts), a background that is itself flat or blurred (studio walls give the background no texture to compare), and
heavy compression (smooths both regions alike).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame's width and height

GATE_FRAMES = 8  # frames spread over the clip on which ai_video's face gate looks for faces
DOMINANT_FACE_FRACTION = 0.06  # largest face box / frame area above which a clip is a face clip (median frame)
MIN_FACE_FRACTION = 0.015  # the face model abstains below this: too few face pixels to measure
FACE_PX = 128  # frames are rescaled so the face box's longer side has this many pixels
FRAME_PX_RANGE = (256, 768)  # ... within these bounds for the frame's longest side
BACKGROUND_MARGIN = 1.3  # the background is what lies outside the face box grown by this factor
BLOCK_PX = 12

REGION_SERIES = ("hf_residual", "lf_flicker", "chroma_flicker", "warp_explained", "noise")
REGIONS = ("face", "bg")


def face_boxes(frames: Sequence[np.ndarray], min_confidence: float = 0.5) -> list[Box | None]:
    """The largest face per RGB frame (BlazeFace, full range), or None where none is found."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    from veracity._native_logs import filtered_native_logs

    with filtered_native_logs():  # MediaPipe's C++ log lines stay out of progress bars and stderr
        import mediapipe as mp

        return _largest_faces(mp, frames, min_confidence)


def _largest_faces(mp: Any, frames: Sequence[np.ndarray], min_confidence: float) -> list[Box | None]:
    out: list[Box | None] = []
    with mp.solutions.face_detection.FaceDetection(model_selection=1,
                                                   min_detection_confidence=min_confidence) as detector:
        for rgb in frames:
            result = detector.process(np.ascontiguousarray(rgb[..., :3]))
            best: Box | None = None
            for detection in result.detections or []:
                rel = detection.location_data.relative_bounding_box
                box = (max(0.0, rel.xmin), max(0.0, rel.ymin), min(1.0, rel.xmin + rel.width),
                       min(1.0, rel.ymin + rel.height))
                if box[2] > box[0] and box[3] > box[1] and (best is None or _area(box) > _area(best)):
                    best = box
            out.append(best)
    return out


def clip_face_boxes(ctx: Any, clip: Any) -> list[Box | None]:
    """``face_boxes`` of a ``_temporal.Clip``'s frames, once per analysis (``ctx``: the ``AnalysisContext``), so
    ``learned.ai_video``'s gate and ``learned.face_video_temporal`` share one detector pass."""
    return ctx.cached("learned.face_boxes", lambda: face_boxes(clip.rgb_small))  # type: ignore[no-any-return]


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def spread(items: Sequence[T], count: int = GATE_FRAMES) -> list[T]:
    if not items:
        return []
    picks = np.unique(np.linspace(0, len(items) - 1, min(count, len(items))).round().astype(int))
    return [items[i] for i in picks]


def face_fraction(boxes: Sequence[Box | None]) -> float:
    """Median over frames of the largest face box's share of the frame area (0 where no face is found)."""
    return float(np.median([_area(b) if b is not None else 0.0 for b in boxes])) if boxes else 0.0


def gate_fraction(boxes: Sequence[Box | None]) -> float:
    """``face_fraction`` over ``GATE_FRAMES`` frames spread over the clip (``boxes``: one per analysis frame)."""
    return face_fraction(spread(boxes))


def feature_names() -> list[str]:
    names = []
    for series in REGION_SERIES:
        for region in REGIONS:
            names += [f"{region}_{series}_med", f"{region}_{series}_p90"]
        names.append(f"diff_{series}_med")  # face minus background
    names += ["noise_steadiness_face", "noise_steadiness_bg", "noise_coupling", "head_jerk", "head_jerk_p90",
              "head_vs_bg_motion", "face_fraction"]
    return names


def _median_box(boxes: Sequence[Box | None]) -> Box | None:
    found = np.array([b for b in boxes if b is not None])
    if len(found) == 0:
        return None
    return tuple(float(v) for v in np.median(found, axis=0))  # type: ignore[return-value]


def _grow(box: Box, factor: float) -> Box:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    hw, hh = (box[2] - box[0]) * factor / 2, (box[3] - box[1]) * factor / 2
    return (max(0.0, cx - hw), max(0.0, cy - hh), min(1.0, cx + hw), min(1.0, cy + hh))


def _mask(box: Box, height: int, width: int) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[round(box[1] * height) : round(box[3] * height), round(box[0] * width) : round(box[2] * width)] = True
    return mask


def _frames(rgb: Sequence[np.ndarray], box: Box) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    height, width = rgb[0].shape[:2]
    face_px = max((box[2] - box[0]) * width, (box[3] - box[1]) * height, 1.0)
    longest = float(np.clip(max(height, width) * FACE_PX / face_px, *FRAME_PX_RANGE))
    scale = longest / max(height, width)
    size = (max(32, round(width * scale) // BLOCK_PX * BLOCK_PX), max(32, round(height * scale) // BLOCK_PX * BLOCK_PX))
    greys, chromas = [], []
    for frame in rgb:
        small = cv2.resize(np.ascontiguousarray(frame[..., :3]), size,
                           interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC).astype(np.float32)
        r, g, b = small[..., 0], small[..., 1], small[..., 2]
        greys.append(0.299 * r + 0.587 * g + 0.114 * b)
        chromas.append(np.stack([-0.1687 * r - 0.3313 * g + 0.5 * b, 0.5 * r - 0.4187 * g - 0.0813 * b], -1))
    return np.stack(greys), np.stack(chromas)


def _blocks(a: np.ndarray) -> np.ndarray:
    """Means of the whole ``BLOCK_PX`` squares of ``a`` (H×W or H×W×C)."""
    h, w = a.shape[0] // BLOCK_PX * BLOCK_PX, a.shape[1] // BLOCK_PX * BLOCK_PX
    return a[:h, :w].reshape(h // BLOCK_PX, BLOCK_PX, w // BLOCK_PX, BLOCK_PX, *a.shape[2:]).mean(axis=(1, 3))


def _inside_blocks(mask: np.ndarray) -> np.ndarray:
    """Which ``_blocks`` lie wholly inside ``mask``."""
    return _blocks(mask.astype(np.float32)) > 0.999  # type: ignore[no-any-return]


def _abs_mean_inside(blocks: np.ndarray, inside: np.ndarray) -> float:
    """Mean absolute block average over the ``inside`` blocks (``region_features`` makes each frame pair's blocks
    and each region's inside blocks once)."""
    return float(np.abs(blocks[inside]).mean()) if inside.any() else float("nan")


def region_features(rgb: Sequence[np.ndarray], boxes: Sequence[Box | None]) -> tuple[np.ndarray, dict[str, float]]:
    """Features in ``feature_names()`` order from the analysis frames and their face boxes (None: no face)."""
    import cv2

    box = _median_box(boxes)
    if box is None or len(rgb) < 3:
        raise ValueError("no face to measure")
    grey, chroma = _frames(rgb, box)
    n, height, width = grey.shape
    face_px = max((box[2] - box[0]) * width, (box[3] - box[1]) * height, 1.0)  # motion in % of the face's size
    face = _mask(box, height, width)
    background = ~_mask(_grow(box, BACKGROUND_MARGIN), height, width)
    border = np.zeros((height, width), bool)
    border[8:-8, 8:-8] = True
    face &= border
    background &= border
    if background.sum() < 0.05 * height * width:  # the face fills the frame: use the outer ring that is left
        background = ~_mask(_grow(box, 1.1), height, width) & border
    regions = {"face": face, "bg": background}
    inside = {name: _inside_blocks(mask) for name, mask in regions.items()}
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)  # type: ignore[attr-defined]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    series: dict[str, list[float]] = {f"{r}_{s}": [] for r in REGIONS for s in REGION_SERIES}
    head_motion, bg_motion = [], []
    lowpass = [cv2.GaussianBlur(g, (0, 0), 2.0) for g in grey]
    for t in range(n):
        noise = grey[t] - lowpass[t]
        for name, mask in regions.items():
            series[f"{name}_noise"].append(float(np.log(np.abs(noise[mask]).mean() + 0.1)) if mask.any() else 0.0)
    for t in range(n - 1):
        a, b = grey[t], grey[t + 1]
        flow = dis.calc(np.clip(a, 0, 255).astype(np.uint8), np.clip(b, 0, 255).astype(np.uint8), None)
        map_x, map_y = xs + flow[..., 0], ys + flow[..., 1]
        warped = cv2.remap(b, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        warped_chroma = cv2.remap(chroma[t + 1], map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        residual = a - warped
        hp_res = residual - cv2.GaussianBlur(residual, (0, 0), 2.0)
        hp_a = a - lowpass[t]
        plain = a - b
        chroma_res = chroma[t] - warped_chroma
        residual_blocks, chroma_blocks = _blocks(residual), _blocks(chroma_res)
        for name, mask in regions.items():
            if not mask.any():
                for s in ("hf_residual", "lf_flicker", "chroma_flicker", "warp_explained"):
                    series[f"{name}_{s}"].append(0.0)
                continue
            series[f"{name}_hf_residual"].append(float(np.log((hp_res[mask].std() + 0.5) / (hp_a[mask].std() + 0.5))))
            series[f"{name}_lf_flicker"].append(
                float(np.log(np.nan_to_num(_abs_mean_inside(residual_blocks, inside[name])) + 0.1)))
            series[f"{name}_chroma_flicker"].append(
                float(np.log(np.nan_to_num(_abs_mean_inside(chroma_blocks, inside[name])) + 0.1)))
            series[f"{name}_warp_explained"].append(
                float(np.log((residual[mask].std() + 1.0) / (plain[mask].std() + 1.0))))
        head_motion.append(np.median(flow[face], axis=0) / face_px * 100.0)
        bg_motion.append(np.median(flow[background], axis=0) / face_px * 100.0 if background.any() else np.zeros(2))
    values: dict[str, float] = {}
    for s in REGION_SERIES:
        for r in REGIONS:
            x = np.asarray(series[f"{r}_{s}"])
            values[f"{r}_{s}_med"], values[f"{r}_{s}_p90"] = float(np.median(x)), float(np.percentile(x, 90))
        values[f"diff_{s}_med"] = float(np.median(np.asarray(series[f"face_{s}"]) - np.asarray(series[f"bg_{s}"])))
    face_noise, bg_noise = np.asarray(series["face_noise"]), np.asarray(series["bg_noise"])
    values["noise_steadiness_face"] = float(np.median(np.abs(np.diff(face_noise))))
    values["noise_steadiness_bg"] = float(np.median(np.abs(np.diff(bg_noise))))
    values["noise_coupling"] = (float(np.corrcoef(np.diff(face_noise), np.diff(bg_noise))[0, 1])
                                if n > 3 and np.diff(face_noise).std() > 1e-6 and np.diff(bg_noise).std() > 1e-6
                                else 0.0)
    # Head motion relative to the background (camera shake removed); jerk = change of velocity over speed.
    velocity = np.asarray(head_motion) - np.asarray(bg_motion)
    speed = np.linalg.norm(velocity, axis=1)
    change = np.linalg.norm(np.diff(velocity, axis=0), axis=1) if len(velocity) > 1 else np.zeros(1)
    values["head_jerk"] = float(np.log(np.median(change) + 0.05) - np.log(np.median(speed) + 0.2))
    values["head_jerk_p90"] = float(np.log(np.percentile(change, 90) + 0.05) - np.log(np.percentile(speed, 90) + 0.2))
    values["head_vs_bg_motion"] = float(np.log(np.median(np.linalg.norm(np.asarray(head_motion), axis=1)) + 0.05)
                                        - np.log(np.median(np.linalg.norm(np.asarray(bg_motion), axis=1)) + 0.05))
    values["face_fraction"] = float(np.sqrt(_area(box)))
    series_out = {k: float(np.median(v)) for k, v in series.items()}
    return np.asarray([values[k] for k in feature_names()], dtype=np.float64), series_out
