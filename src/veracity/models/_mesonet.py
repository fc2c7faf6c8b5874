"""MesoNet-4 (Meso4), written from the paper, and its conversion from the published Keras weights to ONNX.

Afchar, Nozick, Yamagishi, Echizen: "MesoNet: a Compact Facial Video Forgery Detection Network", WIFS 2018
(Apache-2.0; weights from DariusAf/MesoNet). Input: a 256×256 RGB face crop scaled to [0, 1]. Four convolution
blocks (8 filters 3×3, 8 filters 5×5, 16 filters 5×5, 16 filters 5×5; 'same' padding, ReLU, then batch
normalisation, then max-pooling 2, 2, 2 and 4), flatten (8×8×16, channels last), dropout, dense 16 with
LeakyReLU(0.1), dropout, dense 1 with a sigmoid. Trained with Keras' ``flow_from_directory`` on the folders
``df``/``f2f`` and ``real``, so the sigmoid is the probability that the face is *real* (class index 1).

The ONNX graph is written directly with ``onnx.helper`` (no torch), reading the HDF5 file with h5py; both are
needed only here, at ``veracity models fetch`` time. Keras layouts: activations NHWC, kernels HWIO, batch-norm
epsilon 1e-3; the ONNX graph takes NHWC input and transposes to NCHW for the convolutions, and back to NHWC
before flattening so the dense kernel's row order stays Keras'.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

INPUT_PX = 256
BN_EPSILON = 1e-3
LEAKY_ALPHA = 0.1
# (kernel size, filters, pool size) per block, as in the paper
BLOCKS: tuple[tuple[int, int, int], ...] = ((3, 8, 2), (5, 8, 2), (5, 16, 2), (5, 16, 4))
VARIANTS = {"mesonet4_df": ("Meso4_DF.h5", "meso4_df.onnx"), "mesonet4_f2f": ("Meso4_F2F.h5", "meso4_f2f.onnx")}

Weights = dict[str, np.ndarray]


def read_keras_weights(h5_path: Path) -> Weights:
    """Meso4's weights from a Keras HDF5 file, by role (conv0..3, bn0..3, dense0..1), in file layer order."""
    import h5py

    with h5py.File(h5_path, "r") as handle:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in handle.attrs["layer_names"]]
        groups = {"conv2d": [], "batch_normalization": [], "dense": []}  # type: dict[str, list[str]]
        for name in names:
            for prefix, found in groups.items():
                if name.startswith(prefix) and len(handle[name].keys()):
                    found.append(name)
        if [len(v) for v in groups.values()] != [4, 4, 2]:
            raise ValueError(f"{h5_path} does not hold Meso4 weights (layers: {names})")

        def read(layer: str, variable: str) -> np.ndarray:
            inner = handle[layer][layer] if layer in handle[layer] else handle[layer]
            key = next(k for k in inner.keys() if k.startswith(variable))
            return np.asarray(inner[key], dtype=np.float32)

        weights: Weights = {}
        for i, layer in enumerate(groups["conv2d"]):
            weights[f"conv{i}.kernel"] = read(layer, "kernel")  # HWIO
            weights[f"conv{i}.bias"] = read(layer, "bias")
        for i, layer in enumerate(groups["batch_normalization"]):
            for variable in ("gamma", "beta", "moving_mean", "moving_variance"):
                weights[f"bn{i}.{variable}"] = read(layer, variable)
        for i, layer in enumerate(groups["dense"]):
            weights[f"dense{i}.kernel"] = read(layer, "kernel")  # (in, out)
            weights[f"dense{i}.bias"] = read(layer, "bias")
    for i, (size, filters, _pool) in enumerate(BLOCKS):
        if weights[f"conv{i}.kernel"].shape[:2] != (size, size) or weights[f"conv{i}.kernel"].shape[3] != filters:
            raise ValueError(f"{h5_path}: block {i} has kernel {weights[f'conv{i}.kernel'].shape}, not Meso4's")
    return weights


def reference_forward(weights: Weights, faces_nhwc: np.ndarray) -> np.ndarray:
    """Meso4 in plain numpy (inference mode: dropout off): P(real) per face, for checking the ONNX graph."""
    x = faces_nhwc.astype(np.float64)
    for i, (_size, _filters, pool) in enumerate(BLOCKS):
        x = _conv_same(x, weights[f"conv{i}.kernel"].astype(np.float64), weights[f"conv{i}.bias"])
        x = np.maximum(x, 0.0)
        scale = weights[f"bn{i}.gamma"] / np.sqrt(weights[f"bn{i}.moving_variance"] + BN_EPSILON)
        x = (x - weights[f"bn{i}.moving_mean"]) * scale + weights[f"bn{i}.beta"]
        n, h, w, c = x.shape
        x = x.reshape(n, h // pool, pool, w // pool, pool, c).max(axis=(2, 4))
    x = x.reshape(x.shape[0], -1) @ weights["dense0.kernel"] + weights["dense0.bias"]
    x = np.where(x > 0, x, LEAKY_ALPHA * x)
    x = x @ weights["dense1.kernel"] + weights["dense1.bias"]
    return 1.0 / (1.0 + np.exp(-x[:, 0]))


def _conv_same(x: np.ndarray, kernel_hwio: np.ndarray, bias: np.ndarray) -> np.ndarray:
    size = kernel_hwio.shape[0]
    pad = size // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n, h, w, _ = x.shape
    out = np.zeros((n, h, w, kernel_hwio.shape[3]))
    for dy in range(size):
        for dx in range(size):
            out += padded[:, dy : dy + h, dx : dx + w, :] @ kernel_hwio[dy, dx]
    return out + bias


def build_onnx(weights: Weights, doc: str = "MesoNet-4") -> object:
    """The ONNX model: input ``faces`` (N, 256, 256, 3) float32 RGB in [0, 1] -> ``p_real`` (N,)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("Transpose", ["faces"], ["x0"], perm=[0, 3, 1, 2])]
    inits: list[Any] = []

    def const(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    current = "x0"
    for i, (size, _filters, pool) in enumerate(BLOCKS):
        pad = size // 2
        kernel = weights[f"conv{i}.kernel"].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        nodes.append(helper.make_node("Conv", [current, const(f"conv{i}.W", kernel), const(f"conv{i}.B",
                                      weights[f"conv{i}.bias"])], [f"c{i}"], pads=[pad] * 4, kernel_shape=[size, size]))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        nodes.append(helper.make_node(
            "BatchNormalization",
            [f"r{i}", const(f"bn{i}.gamma", weights[f"bn{i}.gamma"]), const(f"bn{i}.beta", weights[f"bn{i}.beta"]),
             const(f"bn{i}.mean", weights[f"bn{i}.moving_mean"]),
             const(f"bn{i}.var", weights[f"bn{i}.moving_variance"])],
            [f"b{i}"], epsilon=BN_EPSILON))
        nodes.append(helper.make_node("MaxPool", [f"b{i}"], [f"p{i}"], kernel_shape=[pool, pool], strides=[pool, pool]))
        current = f"p{i}"
    nodes += [
        helper.make_node("Transpose", [current], ["nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Flatten", ["nhwc"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", const("dense0.W", weights["dense0.kernel"]),
                                  const("dense0.B", weights["dense0.bias"])], ["d0"]),
        helper.make_node("LeakyRelu", ["d0"], ["a0"], alpha=LEAKY_ALPHA),
        helper.make_node("Gemm", ["a0", const("dense1.W", weights["dense1.kernel"]),
                                  const("dense1.B", weights["dense1.bias"])], ["d1"]),
        helper.make_node("Sigmoid", ["d1"], ["s1"]),
        helper.make_node("Flatten", ["s1"], ["s2"], axis=0),
        helper.make_node("Squeeze", ["s2", const_int64(inits, "axis0", [0])], ["p_real"]),
    ]
    graph = helper.make_graph(
        nodes, "mesonet4",
        [helper.make_tensor_value_info("faces", TensorProto.FLOAT, ["N", INPUT_PX, INPUT_PX, 3])],
        [helper.make_tensor_value_info("p_real", TensorProto.FLOAT, ["N"])],
        inits,
    )
    model = helper.make_model(graph, producer_name="veracity", doc_string=doc,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    import onnx

    onnx.checker.check_model(model)
    return model


def const_int64(inits: list[Any], name: str, values: list[int]) -> str:
    from onnx import numpy_helper

    inits.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
    return name


def convert_h5(h5_path: Path, onnx_path: Path) -> Path:
    import onnx

    model = build_onnx(read_keras_weights(h5_path), doc=f"MesoNet-4 converted from {h5_path.name}")
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    partial = onnx_path.with_name(onnx_path.name + ".tmp")
    onnx.save(model, str(partial))  # type: ignore[arg-type]
    partial.replace(onnx_path)
    return onnx_path


def _converter(name: str) -> Callable[[Path, Callable[[str], None]], list[Path]]:
    h5_name, onnx_name = VARIANTS[name]

    def convert(folder: Path, say: Callable[[str], None]) -> list[Path]:
        say(f"{onnx_name}: converting {h5_name} to ONNX")
        return [convert_h5(folder / h5_name, folder / onnx_name)]

    return convert


convert_mesonet4_df = _converter("mesonet4_df")
convert_mesonet4_f2f = _converter("mesonet4_f2f")
