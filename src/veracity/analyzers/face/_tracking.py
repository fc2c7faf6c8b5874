"""Find faces in a stream of frames, follow them into tracks, keep small per-frame measurements.

One pass over the frames, never holding more than one frame: MediaPipe's full-range face detector (BlazeFace) on a
downscaled frame finds every face, then the 468-point face mesh runs on a square crop around each face (so small
faces in 1080p frames still get landmarks). Detections are joined into tracks by box overlap; a face that leaves
for longer than ``max_gap_s`` starts a new track when it comes back. Profile views keep their box (from the
detector) but no landmarks when the mesh fails, and signals skip them.

For each face in each frame the pass keeps the landmarks, an eye-aligned 224×224 crop for a bounded subset of
frames (thumbnails, learned models), and the small per-frame features the signals need (skin colour means for the
pulse, an appearance descriptor, blending statistics), so the frames themselves can be dropped.

Aligned crops (``FaceTrack.crops``: frame index, time, 224×224 RGB) put the eye centres at (0.34, 0.40) and
(0.66, 0.40) of the crop by a similarity transform; at most ``kept_crops`` per track, spread evenly over the track.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from veracity.config import Profile, SamplingPlan
from veracity.evidence import MediaKind

CROP_PX = 224
EYE_Y, EYE_X_RIGHT, EYE_X_LEFT = 0.40, 0.34, 0.66  # where the eyes sit in an aligned crop (fractions of CROP_PX)

# Denser than the default analysis plan: blinks need frames ≤ 100 ms apart, the pulse ≤ 150 ms, lip sync ≤ 125 ms
# (each signal abstains when the frames it is given are further apart; see ``_outcome.too_sparse``). From a 30 fps
# source the default plan takes every 3rd frame (100 ms), from 15 fps every 2nd (133 ms).
FACE_PLANS: dict[Profile, SamplingPlan] = {
    Profile.FAST: SamplingPlan(fps_cap=8.0, max_frames=160, max_side_px=960),
    Profile.DEFAULT: SamplingPlan(fps_cap=13.0, max_frames=480, max_side_px=1280),
    Profile.THOROUGH: SamplingPlan(fps_cap=25.0, max_frames=1500, max_side_px=1920),
}
# Faces are followed over one contiguous stretch from the start, at most this long, and no longer than the frame budget
# covers at the plan's full rate (``face_span_s``): dense enough for blinks, lip sync and the pulse on any length.
FACE_MAX_SECONDS: dict[Profile, float] = {Profile.FAST: 20.0, Profile.DEFAULT: 60.0, Profile.THOROUGH: 300.0}


@dataclass(frozen=True)
class TrackingParams:
    detect_side_px: int = 640  # the detector sees the frame at this size
    mesh_crop_px: int = 256  # the face mesh sees a square crop around each face at this size
    min_face_px: int = 40  # faces narrower than this (analysis frame pixels) are ignored
    max_faces: int = 4  # per frame, largest first
    max_gap_s: float = 0.6  # a face missing longer than this ends its track
    min_confidence: float = 0.5
    kept_crops: int = 48  # aligned crops kept per track (evenly spread)
    tracks_with_crops: int = 12  # later tracks (crowds, long clips) keep landmarks and features only
    hook_strides: dict[str, int] = field(default_factory=lambda: {"blend": 2})  # blending stats on every 2nd frame
    detect_every: int = 6  # between detector runs, faces are followed from their last landmarks


@dataclass
class FaceObservation:
    frame_idx: int
    time_s: float
    box_xyxy_px: tuple[int, int, int, int]  # in the media's own pixels
    score: float
    face_width_px: float  # in the media's own pixels
    landmarks: np.ndarray | None  # 468×3 float32, analysis-frame pixels (z in the same scale); None for profiles
    yaw_proxy: float  # nose offset from the eyes' midpoint / eye distance; |.| > 0.5 is close to a profile
    luma: float  # mean brightness of the face crop, 0..255
    features: dict[str, Any] = field(default_factory=dict)
    crop_landmarks: np.ndarray | None = None  # 468×2 in the aligned crop


@dataclass
class FaceTrack:
    track_id: int
    observations: list[FaceObservation] = field(default_factory=list)
    crops: list[tuple[int, float, np.ndarray]] = field(default_factory=list)  # (frame_idx, time_s, 224×224 RGB)
    crop_stride: int = 1
    worst: dict[str, tuple[float, int, float, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def start_s(self) -> float:
        return self.observations[0].time_s

    @property
    def end_s(self) -> float:
        return self.observations[-1].time_s

    @property
    def meshed(self) -> list[FaceObservation]:
        return [o for o in self.observations if o.landmarks is not None]

    def crop_near(self, time_s: float) -> np.ndarray | None:
        if not self.crops:
            return None
        return min(self.crops, key=lambda c: abs(c[1] - time_s))[2]


@dataclass
class FaceTracks:
    tracks: list[FaceTrack]
    frame_count: int  # sampled frames seen
    frames_with_faces: int
    fps: float  # effective sampling rate of the face stream
    duration_s: float
    is_still: bool
    max_faces_in_frame: int
    seconds_by_stage: dict[str, float] = field(default_factory=dict)  # decode, detect, mesh, crop, hooks
    spacing_s: float = 0.0  # median time between consecutive sampled frames (what a signal can resolve); 0: one frame

    @property
    def usable(self) -> list[FaceTrack]:
        return [t for t in self.tracks if t.meshed]


FrameHook = Callable[[np.ndarray, np.ndarray], Any]  # (aligned crop RGB, crop landmarks 468×2) -> feature


def face_plan(profile: Profile) -> SamplingPlan:
    return FACE_PLANS[profile]


def face_span_s(media: Any, profile: Profile) -> float:
    """How long a stretch from the start the face pipeline follows: ``FACE_MAX_SECONDS``, but no longer than
    ``max_frames`` frames cover at the plan's full rate, so a long clip keeps frames as close together as a short
    one (blinks need ≤ 100 ms) instead of spreading the budget thinly over the whole stretch. The full rate is the
    source's frames taken at ``fps_cap`` at most: every 3rd frame of 30 fps (100 ms; 480 frames cover 48 s), every
    2nd of 25 fps (80 ms; 38 s), every frame of 12 fps (83 ms; 40 s)."""
    plan = face_plan(profile)
    step_s = 1.0 / plan.fps_cap
    if media.fps and media.fps > 0:
        step_s = max(step_s, math.ceil(media.fps / plan.fps_cap - 1e-6) / media.fps)
    return min(FACE_MAX_SECONDS[profile], plan.max_frames * step_s)


def face_sampling(media: Any, profile: Profile) -> tuple[Any, SamplingPlan, float]:
    """The sampling of a video the face pipeline reads (for ``media.video.iter_frames_multi``): the profile's face
    plan over one contiguous stretch from the start, ``face_span_s`` long, at full rate."""
    span_s = face_span_s(media, profile)
    if media.duration_s and media.duration_s > span_s:
        media = media.model_copy(update={"duration_s": span_s})
    return media, face_plan(profile), span_s


def face_frames(ctx: Any) -> Iterator[Any]:
    """Stream (never list) the frames the face pipeline looks at; a still image is one frame at 0 s."""
    from veracity.media.image import downscale
    from veracity.media.video import Frame, iter_frames

    plan = face_plan(ctx.settings.profile)
    if ctx.media.kind is MediaKind.IMAGE:
        yield Frame(index=0, time_s=0.0, rgb=downscale(ctx.image(), plan.max_side_px))
        return
    media, plan, span_s = face_sampling(ctx.media, ctx.settings.profile)
    for frame in iter_frames(media, plan):
        ctx.checkpoint()  # stop decoding once the scanner has given up on the analyzer that asked
        if frame.time_s > span_s:
            return
        yield frame


def face_tracks(ctx: Any) -> FaceTracks:
    """The tracks for this file, computed once per analysis (``ctx.cached("face.tracks")``).

    A video's tracks come from the context's one decoding pass (``ctx.video_product``: decoded with the sampled
    frames and the temporal clip, tracked in a thread of their own). A still image's are computed by the first
    analyzer that asks; a second one waits for that result instead of starting another.
    """
    from veracity._native_logs import filtered_native_logs

    if ctx.media.kind is not MediaKind.IMAGE:
        return ctx.video_product("face.tracks")  # type: ignore[no-any-return]

    def tracked() -> FaceTracks:
        with filtered_native_logs():  # MediaPipe's C++ log lines stay out of progress bars and stderr
            return track_faces(face_frames(ctx), ctx.media, default_hooks())

    return ctx.cached("face.tracks", tracked)  # type: ignore[no-any-return]


def default_hooks() -> dict[str, FrameHook]:
    from veracity.analyzers.face._blending import blend_stats
    from veracity.analyzers.face._identity import appearance_descriptor
    from veracity.analyzers.face._pulse import skin_means

    return {"blend": blend_stats, "look": appearance_descriptor, "skin": skin_means}


def track_faces(
    frames: Iterable[Any], media: Any, hooks: dict[str, FrameHook] | None = None, params: TrackingParams | None = None
) -> FaceTracks:
    """Detect, mesh and track faces over ``frames`` (objects with ``index``, ``time_s``, ``rgb``)."""
    params = params or TrackingParams()
    hooks = hooks or {}
    tracker = _Tracker(params, hooks)
    times: list[float] = []
    count = with_faces = most = 0
    stream = iter(frames)
    try:
        while True:
            started = time.perf_counter()
            frame = next(stream, None)
            tracker.seconds["decode"] += time.perf_counter() - started
            if frame is None:
                break
            scale = _media_scale(media, frame.rgb)
            found = tracker.process(frame.index, frame.time_s, frame.rgb, scale)
            count += 1
            times.append(frame.time_s)
            with_faces += found > 0
            most = max(most, found)
    finally:
        tracker.close()
    still = media.kind is MediaKind.IMAGE or count <= 1
    min_len = 1 if still else 3
    tracks = [t for t in tracker.tracks if len(t.observations) >= min_len]
    for new_id, track in enumerate(sorted(tracks, key=lambda t: (t.start_s, -len(t.observations))), start=1):
        track.track_id = new_id
    fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    duration = (times[-1] - times[0]) + (1.0 / fps if fps else 0.0) if times else 0.0
    spacing = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    return FaceTracks(tracks=tracks, frame_count=count, frames_with_faces=with_faces, fps=fps, duration_s=duration,
                      is_still=still, max_faces_in_frame=most,
                      seconds_by_stage={k: round(v, 4) for k, v in tracker.seconds.items()}, spacing_s=spacing)


def _media_scale(media: Any, rgb: np.ndarray) -> float:
    sides = [s for s in (media.width, media.height) if s]
    return max(sides) / max(rgb.shape[:2]) if sides else 1.0


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


_warm_up = threading.Lock()
_warmed = False


def load_face_tracking() -> None:
    """Import MediaPipe and OpenCV and start (then close) a face detector and mesh, once per process, for the
    ``load`` of every analyzer that reads face tracks: the first start costs ~0.6 s (imports, TFLite models), and
    the face analyzers load side by side. The graphs are not kept: their native threads log to stderr after the
    log filter is gone (``veracity._native_logs``). OpenCV's RGB→Lab conversion, which the blending hook runs on
    every face, builds its tables on first use (~0.1 s): that happens here too, not on a file's first face."""
    global _warmed
    from veracity._native_logs import filtered_native_logs

    with _warm_up:
        if _warmed:
            return
        with filtered_native_logs():
            _Tracker(TrackingParams(), {}).close()
        import cv2

        cv2.cvtColor(np.zeros((1, 1, 3), np.uint8), cv2.COLOR_RGB2LAB)
        _warmed = True


class _Tracker:
    def __init__(self, params: TrackingParams, hooks: dict[str, FrameHook]) -> None:
        started = time.perf_counter()
        os.environ.setdefault("GLOG_minloglevel", "2")
        import cv2  # noqa: F401 - the tracker's other native library, imported with MediaPipe
        import mediapipe as mp

        self.params = params
        self.hooks = hooks
        self.detector = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=params.min_confidence)
        self.mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=False, min_detection_confidence=0.3)
        self.tracks: list[FaceTrack] = []
        self._last_box: dict[int, tuple[float, float, float, float]] = {}  # analysis px
        self._followed: dict[int, tuple[float, float, float, float]] = {}  # landmark boxes from the last frame
        self._since_detection = 0
        self.seconds: dict[str, float] = defaultdict(float)
        self.seconds["load"] = time.perf_counter() - started

    def close(self) -> None:
        self.detector.close()
        self.mesh.close()

    def process(self, frame_idx: int, time_s: float, rgb: np.ndarray, scale: float) -> int:
        active = [t for t in self.tracks if time_s - t.end_s <= self.params.max_gap_s]
        follow = self._followed and self._since_detection < self.params.detect_every
        candidates: list[tuple[tuple[float, float, float, float], float, np.ndarray | None, float, FaceTrack | None]]
        if follow:
            self._since_detection += 1
            candidates = [(box, track.observations[-1].score, None, 1.5, track)
                          for track in active if (box := self._followed.get(id(track))) is not None]
        else:
            self._since_detection = 0
            candidates = [(box, score, keypoints, 2.0, None) for box, score, keypoints in self._detect(rgb)]
        self._followed = {}
        taken: set[int] = set()
        for box, score, keypoints, margin, known in candidates:
            observation = self._observe(frame_idx, time_s, rgb, scale, box, score, keypoints, margin)
            if observation is None:
                self._since_detection = self.params.detect_every  # lost a face: look again next frame
                continue
            track = known or self._match(active, taken, box)
            if track is None:
                track = FaceTrack(track_id=len(self.tracks) + 1)
                self.tracks.append(track)
            taken.add(id(track))
            self._last_box[id(track)] = box
            if observation.landmarks is not None:
                lm = observation.landmarks
                self._followed[id(track)] = (float(lm[:, 0].min()), float(lm[:, 1].min()),
                                             float(lm[:, 0].max()), float(lm[:, 1].max()))
            self._append(track, observation)
        if follow and not self._followed:
            self._since_detection = self.params.detect_every
        return len(taken)

    def _detect(self, rgb: np.ndarray) -> list[tuple[tuple[float, float, float, float], float, np.ndarray]]:
        import cv2

        height, width = rgb.shape[:2]
        factor = min(1.0, self.params.detect_side_px / max(height, width))
        small = cv2.resize(rgb, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA) \
            if factor < 1.0 else rgb
        started = time.perf_counter()
        result = self.detector.process(np.ascontiguousarray(small))
        self.seconds["detect"] += time.perf_counter() - started
        found = []
        for detection in result.detections or []:
            rel = detection.location_data.relative_bounding_box
            x0, y0 = rel.xmin * width, rel.ymin * height
            box = (x0, y0, x0 + rel.width * width, y0 + rel.height * height)
            if box[2] - box[0] < self.params.min_face_px:
                continue
            keypoints = np.array([(k.x * width, k.y * height) for k in detection.location_data.relative_keypoints])
            found.append((box, float(detection.score[0]), keypoints))
        found.sort(key=lambda d: -(d[0][2] - d[0][0]) * (d[0][3] - d[0][1]))
        return found[: self.params.max_faces]

    def _mesh(self, rgb: np.ndarray, box: tuple[float, float, float, float], margin: float) -> np.ndarray | None:
        import cv2

        side = margin * max(box[2] - box[0], box[3] - box[1])
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2 - (0.1 * side if margin >= 2 else 0.0)
        size = self.params.mesh_crop_px
        factor = size / side
        to_crop = np.array([[factor, 0, size / 2 - factor * cx], [0, factor, size / 2 - factor * cy]], np.float32)
        crop = cv2.warpAffine(rgb, to_crop, (size, size), flags=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        started = time.perf_counter()
        result = self.mesh.process(crop)
        self.seconds["mesh"] += time.perf_counter() - started
        if not result.multi_face_landmarks:
            return None
        points = np.array([(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark], np.float32) * size
        points[:, 0] = (points[:, 0] - to_crop[0, 2]) / factor
        points[:, 1] = (points[:, 1] - to_crop[1, 2]) / factor
        points[:, 2] /= factor
        return points

    def _observe(self, frame_idx: int, time_s: float, rgb: np.ndarray, scale: float,
                 box: tuple[float, float, float, float], score: float, keypoints: np.ndarray | None,
                 margin: float) -> FaceObservation | None:
        from veracity.analyzers.face._landmarks import EYE_LEFT, EYE_RIGHT

        landmarks = self._mesh(rgb, box, margin)
        if landmarks is not None:
            eye_r, eye_l = landmarks[list(EYE_RIGHT), :2].mean(0), landmarks[list(EYE_LEFT), :2].mean(0)
            nose = landmarks[1, :2]
            xs, ys = landmarks[:, 0], landmarks[:, 1]
            box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        elif keypoints is not None:
            eye_r, eye_l, nose = keypoints[0], keypoints[1], keypoints[2]
        else:
            return None
        eye_dist = float(np.linalg.norm(eye_l - eye_r))
        if eye_dist < 4:
            return None
        yaw = float(np.dot(nose - (eye_r + eye_l) / 2, (eye_l - eye_r) / eye_dist) / eye_dist)
        started = time.perf_counter()
        crop, to_crop = _aligned_crop(rgb, eye_r, eye_l)
        self.seconds["crop"] += time.perf_counter() - started
        observation = FaceObservation(
            frame_idx=frame_idx, time_s=float(time_s),
            box_xyxy_px=tuple(int(round(v * scale)) for v in box),  # type: ignore[arg-type]
            score=score, face_width_px=(box[2] - box[0]) * scale, landmarks=landmarks, yaw_proxy=yaw,
            luma=float(crop.mean()),
        )
        if landmarks is not None:
            crop_lm = landmarks[:, :2] @ to_crop[:, :2].T + to_crop[:, 2]
            observation.crop_landmarks = crop_lm.astype(np.float32)
        observation.features["_crop"] = crop  # dropped in _append once kept or not
        return observation

    def _match(self, active: list[FaceTrack], taken: set[int], box: tuple[float, ...]) -> FaceTrack | None:
        best, best_iou = None, 0.2
        for track in active:
            if id(track) in taken:
                continue
            overlap = _iou(self._last_box[id(track)], box)
            if overlap > best_iou:
                best, best_iou = track, overlap
        return best

    def _append(self, track: FaceTrack, observation: FaceObservation) -> None:
        crop = observation.features.pop("_crop")
        position = len(track.observations)
        track.observations.append(observation)
        if observation.crop_landmarks is not None:
            for name, hook in self.hooks.items():
                if position % self.params.hook_strides.get(name, 1):
                    continue
                started = time.perf_counter()
                observation.features[name] = hook(crop, observation.crop_landmarks)
                self.seconds[f"hook.{name}"] += time.perf_counter() - started
        if position % track.crop_stride == 0 and track.track_id <= self.params.tracks_with_crops:
            track.crops.append((observation.frame_idx, observation.time_s, crop))
            if len(track.crops) > self.params.kept_crops:
                track.crops = track.crops[::2]
                track.crop_stride *= 2
        blend = observation.features.get("blend")
        if blend is not None and observation.crop_landmarks is not None:
            previous = track.worst.get("blend")
            if previous is None or blend["score"] > previous[0]:
                track.worst["blend"] = (blend["score"], observation.frame_idx, observation.time_s, crop,
                                        observation.crop_landmarks)


def _aligned_crop(rgb: np.ndarray, eye_right: np.ndarray, eye_left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Similarity-warp the face so the eyes land on fixed points of a CROP_PX square."""
    import cv2

    src = np.array([eye_right, eye_left], np.float64)
    dst = np.array([[EYE_X_RIGHT * CROP_PX, EYE_Y * CROP_PX], [EYE_X_LEFT * CROP_PX, EYE_Y * CROP_PX]])
    d_src, d_dst = src[1] - src[0], dst[1] - dst[0]
    scale = float(np.linalg.norm(d_dst)) / max(float(np.linalg.norm(d_src)), 1e-6)
    angle = np.arctan2(d_dst[1], d_dst[0]) - np.arctan2(d_src[1], d_src[0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shift = dst[0] - rot @ src[0]
    matrix = np.hstack([rot, shift[:, None]]).astype(np.float32)
    flags = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(rgb, matrix, (CROP_PX, CROP_PX), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return crop, matrix
