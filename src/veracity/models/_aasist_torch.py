"""AASIST in torch, written from the paper, used only to convert the published weights to ONNX.

Jung, Heo, Tak, Shim, Chung, Lee, Yu, Evans: "AASIST: Audio Anti-Spoofing using Integrated Spectro-Temporal
Graph Attention Networks", ICASSP 2022 (MIT licence; weights from clovaai/aasist). A raw 16 kHz waveform
(64,600 samples) goes through fixed mel-spaced sinc band-pass filters, a residual 2-D convolutional encoder, one
graph attention layer over spectral nodes and one over temporal nodes, then two heterogeneous stacks that let
both node types and a learnt master node attend to each other. The 2-class output's index 1 is *bona fide*.

Module and parameter names follow the published state dicts so that ``load_state_dict`` takes them as they are.
Two facts of the published model are kept because the weights depend on them: the residual block's first
convolution reads the block input (its pre-activation batch norm is computed but unused), and the sinc filters are
fixed (not in the state dict). Torch is imported at module level: import this module only when converting.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

INPUT_SAMPLES = 64_600
SAMPLE_RATE_HZ = 16_000
BONA_FIDE_INDEX = 1


@dataclass(frozen=True)
class AasistConfig:
    """Architecture hyperparameters, as published in config/AASIST*.conf."""

    sinc_channels: int
    sinc_kernel: int
    block_channels: tuple[tuple[int, int], ...]  # (in, out) per residual stage; the last repeats three times
    gat_dims: tuple[int, int]
    pool_ratios: tuple[float, float, float, float]
    temperatures: tuple[float, float, float, float]

    @classmethod
    def from_conf(cls, model_config: dict) -> AasistConfig:
        filts = model_config["filts"]
        return cls(
            sinc_channels=int(filts[0]),
            sinc_kernel=int(model_config["first_conv"]),
            block_channels=tuple((int(a), int(b)) for a, b in filts[1:]),
            gat_dims=(int(model_config["gat_dims"][0]), int(model_config["gat_dims"][1])),
            pool_ratios=tuple(float(r) for r in model_config["pool_ratios"]),  # type: ignore[arg-type]
            temperatures=tuple(float(t) for t in model_config["temperatures"]),  # type: ignore[arg-type]
        )


AASIST = AasistConfig(70, 128, ((1, 32), (32, 32), (32, 64), (64, 64)), (64, 32), (0.5, 0.7, 0.5, 0.5),
                      (2.0, 2.0, 100.0, 100.0))
AASIST_L = AasistConfig(70, 128, ((1, 32), (32, 32), (32, 24), (24, 24)), (24, 32), (0.4, 0.5, 0.7, 0.5),
                        (2.0, 2.0, 100.0, 100.0))


def _mel_sinc_bank(channels: int, kernel: int, sample_rate_hz: int) -> np.ndarray:
    """Hamming-windowed ideal band-pass filters with edges equally spaced on the mel scale (0 .. Nyquist)."""
    kernel += 1 - kernel % 2  # odd, so every filter is symmetric
    nyquist_hz = sample_rate_hz / 2
    mel_top = 2595 * math.log10(1 + nyquist_hz / 700)
    edges_hz = 700 * (10 ** (np.linspace(0.0, mel_top, channels + 1) / 2595) - 1)
    t = np.arange(kernel) - (kernel - 1) / 2
    bank = np.empty((channels, kernel), dtype=np.float64)
    for i in range(channels):
        low, high = edges_hz[i], edges_hz[i + 1]
        ideal = 2 * high / sample_rate_hz * np.sinc(2 * high * t / sample_rate_hz) - 2 * low / sample_rate_hz * np.sinc(
            2 * low * t / sample_rate_hz
        )
        bank[i] = np.hamming(kernel) * ideal
    return bank.astype(np.float32)


class ResidualBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, first: bool) -> None:
        super().__init__()
        if not first:
            self.bn1 = nn.BatchNorm2d(channels_in)  # in the published weights; its output is not used
        self.conv1 = nn.Conv2d(channels_in, channels_out, kernel_size=(2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, kernel_size=(2, 3), padding=(0, 1))
        if channels_in != channels_out:
            self.conv_downsample = nn.Conv2d(channels_in, channels_out, kernel_size=(1, 3), padding=(0, 1))
        self.pool = nn.MaxPool2d((1, 3))

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv2(F.selu(self.bn2(self.conv1(x))))
        shortcut = self.conv_downsample(x) if hasattr(self, "conv_downsample") else x
        return self.pool(out + shortcut)


def _pairwise(x: Tensor) -> Tensor:
    """(batch, nodes, dim) -> (batch, nodes, nodes, dim) with element-wise products of every node pair."""
    return x.unsqueeze(2) * x.unsqueeze(1)


class GraphAttention(nn.Module):
    """Graph attention over a fully connected graph (GAT-S, GAT-T)."""

    def __init__(self, dim_in: int, dim_out: int, temperature: float) -> None:
        super().__init__()
        self.att_proj = nn.Linear(dim_in, dim_out)
        self.att_weight = nn.Parameter(torch.zeros(dim_out, 1))
        self.proj_with_att = nn.Linear(dim_in, dim_out)
        self.proj_without_att = nn.Linear(dim_in, dim_out)
        self.bn = nn.BatchNorm1d(dim_out)
        self.temperature = temperature

    def forward(self, x: Tensor) -> Tensor:
        scores = torch.tanh(self.att_proj(_pairwise(x))) @ self.att_weight  # (b, n, n, 1)
        attention = torch.softmax(scores.squeeze(-1) / self.temperature, dim=-1)  # over neighbours j
        out = self.proj_with_att(attention @ x) + self.proj_without_att(x)
        return F.selu(self.bn(out.reshape(-1, out.shape[-1])).reshape(out.shape))


class HeterogeneousGraphAttention(nn.Module):
    """HS-GAL: attention across two node types (temporal, spectral) plus a stack (master) node."""

    def __init__(self, dim_in: int, dim_out: int, temperature: float) -> None:
        super().__init__()
        self.proj_type1 = nn.Linear(dim_in, dim_in)
        self.proj_type2 = nn.Linear(dim_in, dim_in)
        self.att_proj = nn.Linear(dim_in, dim_out)
        self.att_projM = nn.Linear(dim_in, dim_out)
        self.att_weight11 = nn.Parameter(torch.zeros(dim_out, 1))
        self.att_weight22 = nn.Parameter(torch.zeros(dim_out, 1))
        self.att_weight12 = nn.Parameter(torch.zeros(dim_out, 1))
        self.att_weightM = nn.Parameter(torch.zeros(dim_out, 1))
        self.proj_with_att = nn.Linear(dim_in, dim_out)
        self.proj_without_att = nn.Linear(dim_in, dim_out)
        self.proj_with_attM = nn.Linear(dim_in, dim_out)
        self.proj_without_attM = nn.Linear(dim_in, dim_out)
        self.bn = nn.BatchNorm1d(dim_out)
        self.temperature = temperature

    def forward(self, x1: Tensor, x2: Tensor, master: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        n1 = x1.shape[1]
        x = torch.cat([self.proj_type1(x1), self.proj_type2(x2)], dim=1)
        hidden = torch.tanh(self.att_proj(_pairwise(x)))  # (b, n, n, d)
        # Each block of the node-pair grid has its own attention vector; both cross blocks share att_weight12.
        top = torch.cat([hidden[:, :n1, :n1] @ self.att_weight11, hidden[:, :n1, n1:] @ self.att_weight12], dim=2)
        bottom = torch.cat([hidden[:, n1:, :n1] @ self.att_weight12, hidden[:, n1:, n1:] @ self.att_weight22], dim=2)
        attention = torch.softmax(torch.cat([top, bottom], dim=1).squeeze(-1) / self.temperature, dim=-1)

        master_scores = torch.tanh(self.att_projM(x * master)) @ self.att_weightM  # (b, n, 1)
        master_attention = torch.softmax(master_scores / self.temperature, dim=-2)
        new_master = self.proj_with_attM(master_attention.transpose(1, 2) @ x) + self.proj_without_attM(master)

        out = self.proj_with_att(attention @ x) + self.proj_without_att(x)
        out = F.selu(self.bn(out.reshape(-1, out.shape[-1])).reshape(out.shape))
        return out[:, :n1], out[:, n1:], new_master


class GraphPool(nn.Module):
    """Keep the top ``ratio`` of nodes by a learnt sigmoid score, scaled by that score."""

    def __init__(self, ratio: float, dim: int) -> None:
        super().__init__()
        self.ratio = ratio
        self.proj = nn.Linear(dim, 1)

    def forward(self, h: Tensor) -> Tensor:
        scores = torch.sigmoid(self.proj(h))
        keep = max(int(h.shape[1] * self.ratio), 1)
        _, idx = torch.topk(scores, keep, dim=1)
        return torch.gather(h * scores, 1, idx.expand(-1, -1, h.shape[-1]))


class Aasist(nn.Module):
    def __init__(self, config: AasistConfig) -> None:
        super().__init__()
        self.register_buffer(
            "sinc_filters",
            torch.from_numpy(_mel_sinc_bank(config.sinc_channels, config.sinc_kernel, SAMPLE_RATE_HZ))[:, None, :],
            persistent=False,
        )
        self.first_bn = nn.BatchNorm2d(1)
        stages = list(config.block_channels) + [config.block_channels[-1]] * 2
        self.encoder = nn.Sequential(
            *(nn.Sequential(ResidualBlock(a, b, first=i == 0)) for i, (a, b) in enumerate(stages))
        )
        channels = config.block_channels[-1][1]
        g0, g1 = config.gat_dims
        p = config.pool_ratios
        t = config.temperatures
        self.pos_S = nn.Parameter(torch.zeros(1, 23, channels))
        self.master1 = nn.Parameter(torch.zeros(1, 1, g0))
        self.master2 = nn.Parameter(torch.zeros(1, 1, g0))
        self.GAT_layer_S = GraphAttention(channels, g0, t[0])
        self.GAT_layer_T = GraphAttention(channels, g0, t[1])
        self.HtrgGAT_layer_ST11 = HeterogeneousGraphAttention(g0, g1, t[2])
        self.HtrgGAT_layer_ST12 = HeterogeneousGraphAttention(g1, g1, t[2])
        self.HtrgGAT_layer_ST21 = HeterogeneousGraphAttention(g0, g1, t[2])
        self.HtrgGAT_layer_ST22 = HeterogeneousGraphAttention(g1, g1, t[2])
        self.pool_S = GraphPool(p[0], g0)
        self.pool_T = GraphPool(p[1], g0)
        self.pool_hS1 = GraphPool(p[2], g1)
        self.pool_hT1 = GraphPool(p[2], g1)
        self.pool_hS2 = GraphPool(p[2], g1)
        self.pool_hT2 = GraphPool(p[2], g1)
        self.out_layer = nn.Linear(5 * g1, 2)

    def _branch(self, temporal: Tensor, spectral: Tensor, master: Tensor, first: nn.Module, second: nn.Module,
                pool_s: nn.Module, pool_t: nn.Module) -> tuple[Tensor, Tensor, Tensor]:
        t1, s1, m1 = first(temporal, spectral, master)
        s1, t1 = pool_s(s1), pool_t(t1)
        t_aug, s_aug, m_aug = second(t1, s1, m1)
        return t1 + t_aug, s1 + s_aug, m1 + m_aug

    def forward(self, waveform: Tensor) -> Tensor:
        """(batch, 64600) float waveform -> (batch, 2) logits, index 1 = bona fide."""
        x = F.conv1d(waveform.unsqueeze(1), self.get_buffer("sinc_filters"))
        x = F.selu(self.first_bn(F.max_pool2d(x.abs().unsqueeze(1), (3, 3))))
        e = self.encoder(x).abs()  # (b, channels, 23 spectral, time)
        spectral = self.pool_S(self.GAT_layer_S(e.amax(dim=3).transpose(1, 2) + self.pos_S))
        temporal = self.pool_T(self.GAT_layer_T(e.amax(dim=2).transpose(1, 2)))
        batch = waveform.shape[0]
        t1, s1, m1 = self._branch(temporal, spectral, self.master1.expand(batch, -1, -1), self.HtrgGAT_layer_ST11,
                                  self.HtrgGAT_layer_ST12, self.pool_hS1, self.pool_hT1)
        t2, s2, m2 = self._branch(temporal, spectral, self.master2.expand(batch, -1, -1), self.HtrgGAT_layer_ST21,
                                  self.HtrgGAT_layer_ST22, self.pool_hS2, self.pool_hT2)
        t, s, m = torch.maximum(t1, t2), torch.maximum(s1, s2), torch.maximum(m1, m2)
        hidden = torch.cat([t.abs().amax(dim=1), t.mean(dim=1), s.abs().amax(dim=1), s.mean(dim=1), m.squeeze(1)], 1)
        return self.out_layer(hidden)


def load_published(weights_path: Path, config: AasistConfig) -> Aasist:
    model = Aasist(config)
    state = torch.load(weights_path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def export_onnx(weights_path: Path, config: AasistConfig, onnx_path: Path, opset: int = 17) -> None:
    """Load published weights and write an ONNX graph: input ``waveform`` (1, 64600) -> ``logits`` (1, 2)."""
    model = load_published(weights_path, config)
    example = torch.zeros(1, INPUT_SAMPLES)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about the constant pooled-node counts (fixed input size)
        torch.onnx.export(model, (example,), str(onnx_path), input_names=["waveform"], output_names=["logits"],
                          opset_version=opset, dynamo=False)
