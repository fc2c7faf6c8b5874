"""Score aligned face crops with Veracity's own face-forgery CNN (``face_forgery_v1.onnx``).

The network sees the face pipeline's eye-aligned crop at ``INPUT_PX`` and gives one logit per crop: high when the
face shows the traces of being pasted or blended into the frame (a seam where two images meet: a colour, sharpness
or noise step along the face outline). It was trained on real faces of the evaluation corpus against
self-blended images (Shiohara & Yamasaki, "Detecting Deepfakes with Self-Blended Images", CVPR 2022) and
landmark-warped face swaps made from those real faces, so it learns the seam, not identities.

Where it fails: faces made whole by a generator (talking-head models that render the full frame, diffusion
images) have no seam to find; small faces (< ~60 px between the eye corners... a blurred crop) and heavy
compression wash seams out; profile views put the face outline out of the crop. Treat its score as evidence of
blending, not of every kind of deepfake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.scoring import probability

INPUT_PX = 128


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of the track logit: p = sigmoid(scale · logit + offset)."""

    scale: float = 1.0
    offset: float = 0.0

    def p(self, logit: float) -> float:
        return probability(self.scale * logit + self.offset)


@cache
def session(onnx_path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


def calibration(onnx_path: Path) -> Calibration:
    """Platt parameters stored in the ONNX file's metadata (``platt_scale``, ``platt_offset``)."""
    meta = session(onnx_path).get_modelmeta().custom_metadata_map
    return Calibration(float(meta.get("platt_scale", 1.0)), float(meta.get("platt_offset", 0.0)))


def to_input(crop_rgb: np.ndarray) -> np.ndarray:
    """An aligned face crop (H×W×3 uint8) as the network's input: 3×INPUT_PX×INPUT_PX float32 in [0, 1]."""
    import cv2

    if crop_rgb.shape[:2] != (INPUT_PX, INPUT_PX):
        crop_rgb = cv2.resize(crop_rgb, (INPUT_PX, INPUT_PX), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop_rgb.transpose(2, 0, 1), dtype=np.float32) / 255.0


def logits(onnx_path: Path, crops: list[np.ndarray], batch: int = 32) -> np.ndarray:
    """One logit per face crop (higher = more likely blended/swapped)."""
    run = session(onnx_path)
    out = []
    for start in range(0, len(crops), batch):
        faces = np.stack([to_input(c) for c in crops[start : start + batch]])
        out.append(run.run(None, {"faces": faces})[0].reshape(-1).astype(np.float64))
    return np.concatenate(out) if out else np.zeros(0)


def track_logit(crop_logits: np.ndarray) -> float:
    """A robust per-track score: the mean of the top half of the crop logits (a few bad frames can't dominate,
    a manipulation visible in half the frames still shows)."""
    ordered = np.sort(np.asarray(crop_logits, np.float64))[::-1]
    return float(ordered[: max(1, (len(ordered) + 1) // 2)].mean())


def occlusion_map(onnx_path: Path, crop_rgb: np.ndarray, patch_px: int = 32, stride_px: int = 16) -> np.ndarray:
    """How much the crop's logit drops when each patch is greyed out (INPUT_PX grid, ≥ 0, max-normalised)."""
    base = to_input(crop_rgb)
    positions = [(y, x) for y in range(0, INPUT_PX - patch_px + 1, stride_px)
                 for x in range(0, INPUT_PX - patch_px + 1, stride_px)]
    batch = np.repeat(base[None], len(positions) + 1, axis=0)
    for i, (y, x) in enumerate(positions, start=1):
        batch[i, :, y : y + patch_px, x : x + patch_px] = 0.5
    run = session(onnx_path)
    scores = np.concatenate([run.run(None, {"faces": batch[s : s + 64]})[0].reshape(-1)
                             for s in range(0, len(batch), 64)])
    drop = np.clip(scores[0] - scores[1:], 0, None)
    heat, count = np.zeros((INPUT_PX, INPUT_PX)), np.zeros((INPUT_PX, INPUT_PX))
    for d, (y, x) in zip(drop, positions, strict=True):
        heat[y : y + patch_px, x : x + patch_px] += d
        count[y : y + patch_px, x : x + patch_px] += 1
    heat = heat / np.maximum(count, 1)
    return (heat / heat.max() if heat.max() > 0 else heat).astype(np.float32)


def read_metrics(onnx_path: Path) -> dict[str, Any]:
    path = onnx_path.with_suffix(".metrics.json")
    return dict(json.loads(path.read_text())) if path.is_file() else {}
