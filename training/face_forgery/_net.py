"""The compact face-forgery CNN (PyTorch, training only; shipped as ONNX)."""

from __future__ import annotations

import torch
from torch import nn


def _block(c_in: int, c_out: int, stride: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2 if stride == 1 else
                                   (kernel - stride + 1) // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class SeamNet(nn.Module):
    """A 4×4 stride-4 stem (keeps every pixel's detail), five 3×3 conv blocks down to 8×8, mean+max pooling, one
    logit. Input: N×3×128×128 RGB in [0, 1]."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, w, 4, 4, 0, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)),  # 32
            _block(w, w, 1),
            _block(w, 2 * w, 2),  # 16
            _block(2 * w, 2 * w, 1),
            _block(2 * w, 3 * w, 2),  # 8
            _block(3 * w, 4 * w, 1),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(8 * w, 1))
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1))

    def forward(self, faces: torch.Tensor) -> torch.Tensor:
        x = self.features((faces - self.mean) / self.std)
        pooled = torch.cat([x.mean((2, 3)), x.amax((2, 3))], dim=1)
        return self.head(pooled).squeeze(1)
