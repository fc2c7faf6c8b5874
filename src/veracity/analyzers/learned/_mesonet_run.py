"""Score aligned face crops with MesoNet-4 (ONNX converted from the published Keras weights at fetch time).

MesoNet (Afchar et al., WIFS 2018) looks at mesoscopic texture of a 256×256 face crop and was trained on the
authors' own Deepfake (DF) and Face2Face (F2F) collections of 2018. It is a *peer baseline*: it generalises poorly
to newer methods (talking-head generators, diffusion), to other crop conventions (it was trained on its own face
alignment; here the face pipeline's eye-aligned 224 px crops are resized to 256 px) and to heavy compression.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

INPUT_PX = 256


@cache
def session(onnx_path: Path) -> Any:
    from veracity.models.runtime import inference_session

    return inference_session(onnx_path, threads=2)


def to_input(crop_rgb: np.ndarray) -> np.ndarray:
    """A face crop (H×W×3 uint8) as MesoNet's input: 256×256, float32 in [0, 1]."""
    from PIL import Image

    if crop_rgb.shape[:2] != (INPUT_PX, INPUT_PX):
        crop_rgb = np.asarray(Image.fromarray(crop_rgb).resize((INPUT_PX, INPUT_PX), Image.Resampling.BILINEAR))
    return crop_rgb.astype(np.float32) / 255.0


def p_fake(onnx_path: Path, crops: list[np.ndarray], batch: int = 16) -> np.ndarray:
    """Probability that each face crop is manipulated (1 − MesoNet's P(real))."""
    run = session(onnx_path)
    out = []
    for start in range(0, len(crops), batch):
        faces = np.stack([to_input(c) for c in crops[start : start + batch]])
        out.append(1.0 - run.run(None, {"faces": faces})[0].astype(np.float64))
    return np.concatenate(out) if out else np.zeros(0)
