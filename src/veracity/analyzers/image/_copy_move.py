"""Copy-move detection: a region duplicated elsewhere in the same picture, by keypoint self-matching."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class CopyMove:
    inliers: int  # keypoint pairs consistent with one geometric copy
    source_box_xyxy_px: tuple[int, int, int, int] | None = None
    target_box_xyxy_px: tuple[int, int, int, int] | None = None
    shift_px: tuple[float, float] | None = None  # median displacement source → target
    points: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0, y0, x1, y1 per inlier pair

    @property
    def score(self) -> float:
        return float(np.clip((self.inliers - 6) / 30.0, 0.0, 1.0))


def _box(points: np.ndarray, scale: float, pad_px: int = 8) -> tuple[int, int, int, int]:
    x0, y0 = points.min(axis=0) / scale - pad_px
    x1, y1 = points.max(axis=0) / scale + pad_px
    return (max(0, int(x0)), max(0, int(y0)), int(x1), int(y1))


def find_copy_move(
    rgb: np.ndarray, *, max_side_px: int = 1024, ratio: float = 0.6, min_shift_px: float = 24.0,
    max_keypoints: int = 5000,
) -> CopyMove:
    """Match SIFT keypoints of the picture against themselves and keep the largest set of pairs that one
    similarity transform (shift, rotation, scale) explains.

    Amerini et al., "A SIFT-based forensic method for copy-move attack detection and transformation recovery"
    (IEEE TIFS 2011): g2NN ratio test on each keypoint's 2nd and 3rd neighbours (the 1st is itself), then a
    geometric consensus (RANSAC here instead of their clustering).
    Detects: a patch cloned to hide or duplicate something (people in a crowd, smoke, a logo), also when rotated
    or scaled a little. Fails on: flat or smoothly shaded regions (no keypoints), patches smaller than ~40 px,
    heavy blur/noise over the clone; repeated real-world patterns (tiles, windows, fences, text) match too, so
    a hit is a lead to look at, not proof.
    """
    import cv2

    height, width = rgb.shape[:2]
    scale = min(1.0, max_side_px / max(height, width))
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    sift = cv2.SIFT_create(nfeatures=max_keypoints)  # type: ignore[attr-defined]
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    if descriptors is None or len(keypoints) < 10:
        return CopyMove(0)
    matches = cv2.BFMatcher(cv2.NORM_L2).knnMatch(descriptors, descriptors, k=3)
    pairs = set()
    for candidates in matches:
        if len(candidates) < 3:
            continue
        best, second = candidates[1], candidates[2]
        if best.distance >= ratio * max(second.distance, 1e-6):
            continue
        a, b = keypoints[best.queryIdx].pt, keypoints[best.trainIdx].pt
        if np.hypot(a[0] - b[0], a[1] - b[1]) < min_shift_px * scale:
            continue
        pairs.add((a, b) if a < b else (b, a))  # one orientation, so one transform explains every pair
    if len(pairs) < 4:
        return CopyMove(len(pairs))
    source = np.array([p[0] for p in pairs], dtype=np.float32)
    target = np.array([p[1] for p in pairs], dtype=np.float32)
    _matrix, mask = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if mask is None:
        return CopyMove(0)
    keep = mask.ravel().astype(bool)
    inliers = int(keep.sum())
    if inliers < 4:
        return CopyMove(inliers)
    src, dst = source[keep], target[keep]
    shift = np.median(dst - src, axis=0) / scale
    points = [(float(a[0] / scale), float(a[1] / scale), float(b[0] / scale), float(b[1] / scale))
              for a, b in zip(src, dst, strict=True)]
    return CopyMove(inliers, _box(src, scale), _box(dst, scale), (float(shift[0]), float(shift[1])), points)


def match_map(shape_hw: tuple[int, int], result: CopyMove, cell_px: int = 8) -> np.ndarray:
    """A coarse [0, 1] heatmap with a blob at every matched keypoint (both ends)."""
    from scipy import ndimage

    rows, cols = max(1, shape_hw[0] // cell_px), max(1, shape_hw[1] // cell_px)
    heat = np.zeros((rows, cols))
    for x0, y0, x1, y1 in result.points:
        for x, y in ((x0, y0), (x1, y1)):
            heat[min(rows - 1, int(y // cell_px)), min(cols - 1, int(x // cell_px))] += 1.0
    heat = ndimage.gaussian_filter(heat, 2.0)
    return heat / heat.max() if heat.max() > 0 else heat
