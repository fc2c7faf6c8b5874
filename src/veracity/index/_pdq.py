"""PDQ hashes of a picture and of a grid of windows over it, so that crops, borders and captions still match.

PDQ (Meta, 2019, "The TMK+PDQF and PDQ hashing algorithms") hashes a picture into 256 bits that survive
re-encoding and resizing (Hamming distance ~2-15) while unrelated pictures sit near 128. It is not made for
crops: cutting 10% off the borders moves the hash past 100, and a 5% difference in framing already costs ~50 bits.
So each picture also gets *window* hashes over a grid of sub-rectangles (per axis: scales 1 down to 0.75 in
0.05 steps, anchored at the start, centre and end), and the content inside uniform borders is hashed too. Two
pictures are copies when one's *primary* hash (the whole picture, or its content inside borders) lands near any
hash of the other (a crop of A is near a window of A; A is near a window of A-with-a-caption-band), or when the
same window of both is near (a caption or logo painted over one band leaves the other windows intact). Mirrored
copies are found by also hashing the query's mirror image; 90° rotations by PDQ's dihedral hashes of the primary.

Fails on: crops that keep under ~70% of a side, rotations by other angles, collages that shrink the picture into
a small part of a larger one, and near-flat pictures (PDQ quality below ``MIN_QUALITY``, not hashed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

HASH_BYTES = 32
MIN_QUALITY = 30  # flat or nearly flat content: PDQ marks such hashes as unreliable
_WORK_SIDE_PX = 384
_WINDOW_SIDE_PX = 160  # PDQ reduces to 64×64 internally; windows lose nothing at this size and cost ~0.5 ms
_DENSE_SCALES = (0.95, 0.9, 0.85, 0.8, 0.75)


@dataclass(frozen=True)
class Views:
    """The hashes of one picture: ``primary`` uint8 [p, 32]; ``windows`` uint8 [w, 32] in a fixed grid order,
    ``window_ok`` bool [w] false where the window was too flat to hash."""

    primary: np.ndarray
    windows: np.ndarray
    window_ok: np.ndarray

    @property
    def empty(self) -> bool:
        return len(self.primary) == 0 and not self.window_ok.any()


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the picture


@lru_cache(maxsize=2)
def window_grid(dense: bool) -> tuple[Box, ...]:
    """Dense: every combination of per-axis scale and anchor (255 windows, for still images).
    Sparse: centred zooms, one-axis zooms, corner zooms and top bands (29 windows, for video frames)."""

    def spans(scales: tuple[float, ...]) -> list[tuple[float, float]]:
        out = [(0.0, 1.0)]
        for s in scales:
            out += [(0.0, s), ((1 - s) / 2, (1 + s) / 2), (1 - s, 1.0)]
        return out

    if dense:
        return tuple((x0, y0, x1, y1) for x0, x1 in spans(_DENSE_SCALES) for y0, y1 in spans(_DENSE_SCALES)
                     if (x0, y0, x1, y1) != (0.0, 0.0, 1.0, 1.0))
    boxes: list[Box] = []
    for s in _DENSE_SCALES:
        c0, c1 = (1 - s) / 2, (1 + s) / 2
        boxes += [(c0, c0, c1, c1), (c0, 0.0, c1, 1.0), (0.0, c0, 1.0, c1)]
    for s in (0.9, 0.8):
        boxes += [(0.0, 0.0, s, s), (1 - s, 0.0, 1.0, s), (0.0, 1 - s, s, 1.0), (1 - s, 1 - s, 1.0, 1.0)]
        boxes += [(0.0, 0.0, 1.0, s), (0.0, 1 - s, 1.0, 1.0)]
    return tuple(boxes)


def _resize(rgb: np.ndarray, max_side_px: int) -> np.ndarray:
    from PIL import Image

    height, width = rgb.shape[:2]
    scale = min(1.0, max_side_px / max(height, width))
    if scale < 1.0:
        size = (max(8, round(width * scale)), max(8, round(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def content_box(rgb: np.ndarray, *, tolerance: float = 10.0) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the picture inside uniform borders (letterboxing, padding, frames)."""
    gray = rgb.astype(np.float32).mean(axis=2)
    height, width = gray.shape
    y0, y1, x0, x1 = 0, height, 0, width
    top, bottom = float(np.median(gray[0])), float(np.median(gray[-1]))
    left, right = float(np.median(gray[:, 0])), float(np.median(gray[:, -1]))
    while y1 - y0 > 16 and np.abs(gray[y0, x0:x1] - top).max() <= tolerance:
        y0 += 1
    while y1 - y0 > 16 and np.abs(gray[y1 - 1, x0:x1] - bottom).max() <= tolerance:
        y1 -= 1
    while x1 - x0 > 16 and np.abs(gray[y0:y1, x0] - left).max() <= tolerance:
        x0 += 1
    while x1 - x0 > 16 and np.abs(gray[y0:y1, x1 - 1] - right).max() <= tolerance:
        x1 -= 1
    return x0, y0, x1, y1


def _hash(rgb: np.ndarray) -> np.ndarray | None:
    import pdqhash

    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return np.packbits(bits.astype(np.uint8)) if quality >= MIN_QUALITY else None


def picture_views(rgb: np.ndarray, *, dense: bool = True) -> Views:
    """Primary hashes (whole picture; content inside uniform borders when they were trimmed) and window hashes."""
    work = _resize(rgb, _WORK_SIDE_PX)
    x0, y0, x1, y1 = content_box(work)
    content = work[y0:y1, x0:x1]
    primaries = [_hash(work)]
    if (x1 - x0) * (y1 - y0) < 0.97 * work.shape[0] * work.shape[1]:
        primaries.append(_hash(content))
    small = _resize(work, _WINDOW_SIDE_PX)  # windows over the whole picture: an overlay may look like a border
    height, width = small.shape[:2]
    grid = window_grid(dense)
    windows = np.zeros((len(grid), HASH_BYTES), np.uint8)
    ok = np.zeros(len(grid), bool)
    for k, (bx0, by0, bx1, by1) in enumerate(grid):
        crop = small[round(by0 * height):round(by1 * height), round(bx0 * width):round(bx1 * width)]
        if min(crop.shape[:2]) >= 16 and (digest := _hash(crop)) is not None:
            windows[k], ok[k] = digest, True
    kept = [h for h in primaries if h is not None]
    primary = np.stack(kept) if kept else np.zeros((0, HASH_BYTES), np.uint8)
    return Views(primary, windows, ok)


def query_views(rgb: np.ndarray, *, dense: bool = True) -> list[Views]:
    """Views of the picture and of its mirror image; the straight one also carries the 90° rotations."""
    import pdqhash

    straight = picture_views(rgb, dense=dense)
    mirror = picture_views(np.ascontiguousarray(rgb[:, ::-1]), dense=dense)
    bits, quality = pdqhash.compute_dihedral(_resize(rgb, _WORK_SIDE_PX))
    if quality >= MIN_QUALITY and len(straight.primary):
        rotated = np.stack([np.packbits(b.astype(np.uint8)) for b in bits[1:4]])  # 90°, 180°, 270°
        straight = Views(np.concatenate([straight.primary, rotated]), straight.windows, straight.window_ok)
    return [straight, mirror]


def _popcount64(values: np.ndarray) -> np.ndarray:
    values = values - ((values >> np.uint64(1)) & np.uint64(0x5555555555555555))
    values = (values & np.uint64(0x3333333333333333)) + ((values >> np.uint64(2)) & np.uint64(0x3333333333333333))
    values = (values + (values >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((values * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.uint16)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise Hamming distances between uint8 [m, 32] and [n, 32] hashes → uint16 [m, n]."""
    a64 = np.ascontiguousarray(a).reshape(-1, HASH_BYTES).view(np.uint64)
    b64 = np.ascontiguousarray(b).reshape(-1, HASH_BYTES).view(np.uint64)
    out = np.zeros((a64.shape[0], b64.shape[0]), np.uint16)
    for word in range(a64.shape[1]):
        out += _popcount64(a64[:, word, None] ^ b64[None, :, word])
    return out


NO_MATCH = 256


def views_distance(query: Views, stored: Views) -> int:
    """Smallest distance under the matching rule (primary↔anything, same window↔same window); 256 when none."""
    best = NO_MATCH
    stored_all = np.concatenate([stored.primary, stored.windows[stored.window_ok]])
    if len(query.primary) and len(stored_all):
        best = min(best, int(hamming(query.primary, stored_all).min()))
    query_windows = query.windows[query.window_ok]
    if len(query_windows) and len(stored.primary):
        best = min(best, int(hamming(query_windows, stored.primary).min()))
    both = query.window_ok & stored.window_ok
    if both.any() and query.windows.shape == stored.windows.shape:
        a64 = query.windows[both].view(np.uint64)
        b64 = stored.windows[both].view(np.uint64)
        best = min(best, int(_popcount64(a64 ^ b64).sum(axis=1).min()))
    return best
