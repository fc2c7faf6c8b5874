"""Classical face manipulations to make test and training material (training/tests only; never a user command).

- ``face_swap``: landmark-based swap between two real faces: Delaunay triangle warp of the source face onto the
  target's landmarks, Reinhard colour transfer in Lab, Poisson blending with ``cv2.seamlessClone``.
- ``mouth_reanimate``: opens or closes the mouth by pulling the lower lip and jaw (smooth displacement field),
  the crude cousin of lip-sync generators.
- ``self_blend``: a face blended with a slightly altered copy of itself (colour, sharpness, scale), the
  self-blended images of Shiohara & Yamasaki (CVPR 2022): the seam without a second identity.
  ``self_blend_random`` is the randomised version used to train ``learned.face_forgery`` (translation, swapped
  roles, a deformed mask of random softness and blend ratio).
- ``astronaut_clip``/``write_clip``: a small real-face clip made from scikit-image's astronaut with small motions.

Landmarks come from Veracity's own face pipeline (MediaPipe face mesh, 468 points).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

# Landmarks the swap warps: outline + brows + eyes + nose + lips (a subset keeps the triangulation small).
_SWAP_POINTS = sorted({
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150,
    136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 70, 63, 105, 66, 107, 300, 293, 334, 296, 336, 33,
    160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380, 1, 4, 6, 168, 197, 98, 327, 61, 291, 0, 17, 13, 14, 78,
    308, 40, 270, 91, 321, 205, 425, 50, 280, 36, 266,
})
_LOWER_LIP = (14, 87, 178, 88, 95, 317, 402, 318, 324, 17, 84, 314, 181, 405, 91, 321, 146, 375)
_INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)


def face_landmarks(rgb: np.ndarray) -> np.ndarray | None:
    """468×2 landmarks (pixels) of the largest face, or None."""
    from types import SimpleNamespace

    from veracity.analyzers.face._tracking import track_faces
    from veracity.evidence import MediaKind
    from veracity.media.video import Frame

    media = SimpleNamespace(width=rgb.shape[1], height=rgb.shape[0], kind=MediaKind.IMAGE)
    tracks = track_faces([Frame(0, 0.0, np.ascontiguousarray(rgb))], media, {})
    meshed = [t.meshed[0] for t in tracks.tracks if t.meshed]
    if not meshed:
        return None
    best = max(meshed, key=lambda o: o.face_width_px)
    return best.landmarks[:, :2].astype(np.float32)  # type: ignore[union-attr]


def _hull_mask(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    import cv2

    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 255)
    return mask


def _warp_triangles(source: np.ndarray, src_pts: np.ndarray, dst_pts: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    import cv2
    from scipy.spatial import Delaunay

    out = np.zeros(shape, np.float32)
    for tri in Delaunay(dst_pts).simplices:
        s, d = src_pts[tri].astype(np.float32), dst_pts[tri].astype(np.float32)
        x, y, w, h = cv2.boundingRect(d)
        if w < 1 or h < 1:
            continue
        matrix = cv2.getAffineTransform(s, (d - [x, y]).astype(np.float32))
        patch = cv2.warpAffine(source.astype(np.float32), matrix, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT_101)
        mask = np.zeros((h, w), np.float32)
        cv2.fillConvexPoly(mask, np.round(d - [x, y]).astype(np.int32), 1.0)
        y1, x1 = min(y + h, shape[0]), min(x + w, shape[1])
        y0, x0 = max(y, 0), max(x, 0)
        region = out[y0:y1, x0:x1]
        m = mask[y0 - y : y1 - y, x0 - x : x1 - x, None]
        region[:] = region * (1 - m) + patch[y0 - y : y1 - y, x0 - x : x1 - x] * m
    return out


def colour_transfer(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Reinhard et al. (2001): match the source's Lab mean and spread to the target's inside ``mask``."""
    import cv2

    src = cv2.cvtColor(np.clip(source, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    dst = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    inside = mask > 0
    for c in range(3):
        s_mean, s_std = src[..., c][inside].mean(), src[..., c][inside].std() + 1e-6
        d_mean, d_std = dst[..., c][inside].mean(), dst[..., c][inside].std() + 1e-6
        src[..., c] = (src[..., c] - s_mean) * (d_std / s_std) + d_mean
    return cv2.cvtColor(np.clip(src, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def face_swap(source: np.ndarray, target: np.ndarray, source_landmarks: np.ndarray | None = None,
              target_landmarks: np.ndarray | None = None, *, erode_px: int = 6) -> np.ndarray:
    """Paste the source's face onto the target's face (same pose as the target), blended with Poisson cloning."""
    import cv2

    source_landmarks = face_landmarks(source) if source_landmarks is None else source_landmarks
    target_landmarks = face_landmarks(target) if target_landmarks is None else target_landmarks
    if source_landmarks is None or target_landmarks is None:
        raise ValueError("no face found in the source or the target")
    idx = list(_SWAP_POINTS)
    warped = _warp_triangles(source, source_landmarks[idx], target_landmarks[idx], target.shape)
    mask = _hull_mask(target.shape, target_landmarks[idx])
    mask = cv2.erode(mask, np.ones((erode_px, erode_px), np.uint8))
    warped = colour_transfer(warped, target, mask)
    x, y, w, h = cv2.boundingRect(mask)
    centre = (x + w // 2, y + h // 2)
    return cv2.seamlessClone(warped, target, mask, centre, cv2.NORMAL_CLONE)


def mouth_reanimate(rgb: np.ndarray, landmarks: np.ndarray, open_fraction: float) -> np.ndarray:
    """Open the mouth by ``open_fraction`` of the eye distance (0 leaves it as it is)."""
    import cv2

    eye_dist = float(np.linalg.norm(landmarks[[362, 263]].mean(0) - landmarks[[33, 133]].mean(0)))
    shift = open_fraction * eye_dist
    if shift <= 0.5:
        return rgb.copy()
    height, width = rgb.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    lip = landmarks[list(_LOWER_LIP)].mean(0)
    upper = landmarks[13]
    mouth_w = float(np.linalg.norm(landmarks[61] - landmarks[291]))
    # Pixels below the upper lip move down, fading out sideways and towards the chin.
    below = np.clip((ys - upper[1]) / max(lip[1] - upper[1], 1.0), 0, 1)
    side = np.exp(-(((xs - lip[0]) / (0.9 * mouth_w)) ** 2))
    fade = np.exp(-np.clip(ys - lip[1], 0, None) / (1.5 * eye_dist))
    dy = shift * below * side * fade
    out = cv2.remap(rgb, xs, ys - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    moved = landmarks.copy()
    moved[:, 1] += dy[np.clip(np.round(landmarks[:, 1]).astype(int), 0, height - 1),
                      np.clip(np.round(landmarks[:, 0]).astype(int), 0, width - 1)]
    inner = np.zeros((height, width), np.float32)
    cv2.fillPoly(inner, [np.round(moved[list(_INNER_LIPS)]).astype(np.int32)], 1.0)
    inner = cv2.GaussianBlur(inner, (0, 0), 1.5)[..., None]
    return (out * (1 - 0.8 * inner) + np.array([60, 25, 30]) * 0.8 * inner).clip(0, 255).astype(np.uint8)


def eyes_close(rgb: np.ndarray, landmarks: np.ndarray, closed_fraction: float) -> np.ndarray:
    """Lower both upper eyelids by ``closed_fraction`` (1 = shut), as in a blink: the skin above each eye slides
    down over it (0 leaves the frame as it is)."""
    import cv2

    if closed_fraction <= 0:
        return rgb.copy()
    height, width = rgb.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    dy = np.zeros((height, width), np.float32)
    for (outer, inner), top, bottom in (((33, 133), 159, 145), ((362, 263), 386, 374)):
        centre_x = (landmarks[outer][0] + landmarks[inner][0]) / 2
        eye_w = abs(float(landmarks[inner][0] - landmarks[outer][0]))
        lid, lower = float(landmarks[top][1]), float(landmarks[bottom][1])
        shift = closed_fraction * (lower - lid + 0.25 * eye_w)
        side = np.exp(-(((xs - centre_x) / (0.6 * eye_w)) ** 2))
        ramp = np.clip((ys - (lid - 0.8 * eye_w)) / (0.8 * eye_w), 0, 1) * (ys <= lower + 0.15 * eye_w)
        dy = np.maximum(dy, shift * side * ramp)
    return cv2.remap(rgb, xs, ys - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def self_blend(rgb: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shiohara & Yamasaki (2022): blend the face with a colour-, sharpness- and scale-jittered copy of itself."""
    import cv2

    source = rgb.astype(np.float32)
    source = source * rng.uniform(0.92, 1.08, 3) + rng.uniform(-8, 8, 3)
    if rng.random() < 0.5:
        source = cv2.GaussianBlur(source, (0, 0), rng.uniform(1.0, 2.0))
    else:
        source = source + 1.5 * (source - cv2.GaussianBlur(source, (0, 0), 1.5))
    centre = landmarks.mean(0)
    scale = rng.uniform(1.02, 1.06)
    matrix = np.array([[scale, 0, (1 - scale) * centre[0] + rng.uniform(-3, 3)],
                       [0, scale, (1 - scale) * centre[1] + rng.uniform(-3, 3)]], np.float32)
    source = cv2.warpAffine(source, matrix, rgb.shape[1::-1], borderMode=cv2.BORDER_REFLECT_101)
    mask = _hull_mask(rgb.shape, landmarks).astype(np.float32) / 255
    size = max(3, int(0.06 * np.ptp(landmarks[:, 0])) | 1)
    mask = cv2.erode(mask, np.ones((size, size), np.uint8))
    mask = cv2.GaussianBlur(mask, (0, 0), size / 3)[..., None] * rng.uniform(0.75, 1.0)
    return (source * mask + rgb * (1 - mask)).clip(0, 255).astype(np.uint8)


def _deformed_mask(shape: tuple[int, ...], landmarks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The face hull (whole mesh or its inner part), stretched, elastically bent, eroded or dilated, then blurred."""
    import cv2

    height, width = shape[:2]
    points = landmarks if rng.random() < 0.6 else landmarks[list(_SWAP_POINTS)]
    centre = points.mean(0)
    stretch = rng.uniform(0.9, 1.1, 2)
    points = (points - centre) * stretch + centre + rng.uniform(-2, 2, 2)
    mask = _hull_mask(shape, points).astype(np.float32)
    # Elastic bend: a smooth random displacement field of a few pixels.
    amplitude = rng.uniform(1.0, 5.0)
    field = cv2.resize(rng.normal(0, 1, (2, 5, 5)).astype(np.float32).transpose(1, 2, 0), (width, height),
                       interpolation=cv2.INTER_CUBIC) * amplitude
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    mask = cv2.remap(mask, xs + field[..., 0], ys + field[..., 1], cv2.INTER_LINEAR)
    size = int(rng.integers(1, max(2, int(0.08 * np.ptp(landmarks[:, 0]))))) | 1
    kernel = np.ones((size, size), np.uint8)
    mask = cv2.erode(mask, kernel) if rng.random() < 0.7 else cv2.dilate(mask, kernel)
    sigma = rng.uniform(0.5, 0.08 * np.ptp(landmarks[:, 0]) + 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    return (mask / max(float(mask.max()), 1e-6)).clip(0, 1)


def self_blend_random(rgb: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Self-blended image (Shiohara & Yamasaki, CVPR 2022) with the paper's randomisation.

    A copy of the picture is jittered (per-channel gain and shift, brightness/contrast, blur or sharpening, scale
    and translation), one of the two plays the face and the other the background, and they are blended through a
    deformed, blurred landmark-hull mask at a random ratio. Identity and pose stay the same, only the seam is new.
    """
    import cv2

    height, width = rgb.shape[:2]
    base = rgb.astype(np.float32)
    other = base * rng.uniform(0.9, 1.1, 3) + rng.uniform(-10, 10, 3)
    other = (other - other.mean()) * rng.uniform(0.9, 1.1) + other.mean() + rng.uniform(-10, 10)
    pick = rng.random()
    if pick < 0.4:
        other = cv2.GaussianBlur(other, (0, 0), rng.uniform(0.6, 1.8))
    elif pick < 0.8:
        other = other + rng.uniform(0.5, 1.5) * (other - cv2.GaussianBlur(other, (0, 0), rng.uniform(1.0, 2.0)))
    centre = landmarks.mean(0)
    scale_xy = rng.uniform(0.95, 1.05, 2)
    shift = rng.uniform(-0.03, 0.03, 2) * np.ptp(landmarks, axis=0)
    matrix = np.array([[scale_xy[0], 0, (1 - scale_xy[0]) * centre[0] + shift[0]],
                       [0, scale_xy[1], (1 - scale_xy[1]) * centre[1] + shift[1]]], np.float32)
    other = cv2.warpAffine(other, matrix, (width, height), borderMode=cv2.BORDER_REFLECT_101)
    face, background = (other, base) if rng.random() < 0.5 else (base, other)
    ratio = float(rng.choice([0.25, 0.5, 0.75, 1.0, 1.0, 1.0]))
    mask = _deformed_mask(rgb.shape, landmarks, rng)[..., None] * ratio
    return (face * mask + background * (1 - mask)).clip(0, 255).astype(np.uint8)


def astronaut_clip(frames: int = 36, size_px: int = 384, seed: int = 0) -> list[np.ndarray]:
    """A real face with small head motions (shift, rotation, zoom) and sensor noise: skimage's astronaut."""
    import cv2
    from skimage import data

    image = data.astronaut()
    rng = np.random.default_rng(seed)
    centre = (260.0, 140.0)  # near the face
    out = []
    for i in range(frames):
        t = i / 12.0
        angle = 2.0 * np.sin(2 * np.pi * 0.4 * t)
        scale = 1.0 + 0.02 * np.sin(2 * np.pi * 0.25 * t)
        matrix = cv2.getRotationMatrix2D(centre, angle, scale)
        matrix[:, 2] += [size_px / 2 - centre[0] + 3 * np.sin(2 * np.pi * 0.3 * t), size_px / 2 - centre[1] + 40]
        frame = cv2.warpAffine(image, matrix, (size_px, size_px), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT_101).astype(np.float32)
        out.append((frame + rng.normal(0, 2.0, frame.shape)).clip(0, 255).astype(np.uint8))
    return out


def clip_landmarks(frames: list[np.ndarray]) -> list[np.ndarray | None]:
    """468×2 landmarks of the largest face in each frame (one tracker for the whole clip)."""
    from types import SimpleNamespace

    from veracity.analyzers.face._tracking import TrackingParams, track_faces
    from veracity.evidence import MediaKind
    from veracity.media.video import Frame

    media = SimpleNamespace(width=frames[0].shape[1], height=frames[0].shape[0], kind=MediaKind.VIDEO)
    stream = [Frame(i, i / 12.0, np.ascontiguousarray(f)) for i, f in enumerate(frames)]
    tracks = track_faces(stream, media, {}, TrackingParams(detect_every=1))
    found: dict[int, tuple[float, np.ndarray]] = {}
    for track in tracks.tracks:
        for obs in track.meshed:
            if obs.frame_idx not in found or obs.face_width_px > found[obs.frame_idx][0]:
                found[obs.frame_idx] = (obs.face_width_px, obs.landmarks[:, :2].astype(np.float32))  # type: ignore[index]
    return [found[i][1] if i in found else None for i in range(len(frames))]


def manipulate_clip(
    frames: list[np.ndarray], edit: Callable[[np.ndarray, np.ndarray, int], np.ndarray]
) -> list[np.ndarray]:
    """Apply ``edit(frame, landmarks, index)`` to every frame that has a face (others pass through)."""
    return [frame.copy() if lm is None else edit(frame, lm, i)
            for i, (frame, lm) in enumerate(zip(frames, clip_landmarks(frames), strict=True))]


def write_clip(path: Path, frames: list[np.ndarray], fps: int = 12, audio: np.ndarray | None = None,
               sample_rate_hz: int = 16000, crf: int = 16) -> Path:
    """Encode frames (and optional mono float audio in [-1, 1]) as H.264/AAC MP4."""
    import av

    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast"}
        stream_audio = None
        if audio is not None:
            stream_audio = container.add_stream("aac", rate=sample_rate_hz)
            stream_audio.layout = "mono"
        for frame in frames:
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if stream_audio is not None and audio is not None:
            chunk = 1024
            pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
            for start in range(0, len(pcm), chunk):
                block = av.AudioFrame.from_ndarray(pcm[None, start : start + chunk], format="s16", layout="mono")
                block.sample_rate = sample_rate_hz
                block.pts = start
                for packet in stream_audio.encode(block):
                    container.mux(packet)
            for packet in stream_audio.encode():
                container.mux(packet)
    return path
