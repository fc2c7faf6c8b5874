"""A latent autoencoder round trip that turns a real picture into its aligned "generated" twin (training only).

A latent-diffusion generator never paints pixels: it produces a latent that its autoencoder's decoder turns into a
picture, so every such picture carries the decoder's up-sampling traces. A real photo encoded and decoded by the
same kind of autoencoder keeps its content and gains those traces; training on (real, reconstructed) pairs is
reported to generalise across latent-diffusion generators (Rajan et al., "On the Effectiveness of Dataset
Alignment for Fake Image Detection", ICLR 2025). ``learned.ai_image``'s trainer uses this to make aligned fakes from
corpus reals (``training.picture_views``, views ``ae:<i>``).

The autoencoder is TAEF2, Ollin Boer Bohan's tiny distilled autoencoder for the FLUX.2 latent space (MIT licence),
published in the repository ``madebyollin/taesd`` at commit ``5cccb12`` (``taef2_encoder.pth``,
``taef2_decoder.pth``, about 2.7 MB each). The network below is written from its published structure: 8× down- and
up-sampling, 64 channels throughout, 32 latent channels; residual blocks of three 3×3 convolutions; in the deepest
blocks a global-statistics branch (1×1 conv to 256 channels, group norm, ReLU, 1×1 conv back) added before the
block; the decoder first squashes latents with ``3·tanh(x/3)`` and up-samples by nearest-neighbour repetition
followed by a 3×3 convolution. Pictures are RGB in [0, 1].

Weights are never downloaded or committed: ``load`` reads them from a local copy of that repository (a folder that
holds the two files, or the git repository itself, read at the pinned commit) and checks their sha256. Torch is a
training dependency; this module imports it only inside functions.

Where it fails: a picture smaller than 8 px or not a multiple of 8 is cropped to one (``reconstruct``); TAEF2 is a
distilled stand-in for the FLUX.2 autoencoder, so its traces resemble, not equal, that generator's; other latent
spaces (SD 1.x/XL, SD3) leave related but different traces.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY = "madebyollin/taesd"
COMMIT = "5cccb12dc72074a4be35680c3b108548a7c69978"
WEIGHTS = {  # file in the repository -> sha256
    "encoder": ("taef2_encoder.pth", "10a4e1021e89d7551eaf161352da8dbd0b1aa83872ae28b150c1df1ce2f147b6"),
    "decoder": ("taef2_decoder.pth", "0a44a31e1ae59eb9dbf9359d24942fd3ef5928162c1800d97a28c61d51be0ab5"),
}
LATENT_CHANNELS = 32
WIDTH = 64
SCALE = 8  # pixels per latent cell along each side
ENV = "VERACITY_TAESD"  # where the trainer looks first for the repository (or a folder with the two files)


def default_source() -> Path:
    """``$VERACITY_TAESD``, else the first ``.mirror/madebyollin+taesd/repo`` one or two folders above the repository
    (the layout of this workplace's snapshots), else that path next to the repository."""
    configured = os.environ.get(ENV)
    if configured:
        return Path(configured)
    repo = Path(__file__).resolve().parents[2]
    candidates = [base / ".mirror" / "madebyollin+taesd" / "repo" for base in (repo.parent, repo.parent.parent)]
    return next((c for c in candidates if c.exists()), candidates[0])


class WeightsMissing(FileNotFoundError):
    """TAEF2's weights are not where the trainer was told to look, or are not the pinned files."""


def _missing(source: Path, why: str) -> WeightsMissing:
    files = ", ".join(f"{name} (sha256 {sha})" for name, sha in WEIGHTS.values())
    return WeightsMissing(
        f"TAEF2 weights: {why}. Expected the public repository {REPOSITORY} at commit {COMMIT} — {files} — as a "
        f"folder holding the two files or a git clone of that repository; pass it with --taef2 PATH or ${ENV} "
        f"(looked in {source})."
    )


def read_weights(source: Path) -> dict[str, bytes]:
    """The two weight files' bytes from ``source`` (a folder with them, or a git repository read at ``COMMIT``),
    each checked against its pinned sha256; ``WeightsMissing`` otherwise."""
    out: dict[str, bytes] = {}
    for part, (name, sha) in WEIGHTS.items():
        if (source / name).is_file():
            blob = (source / name).read_bytes()
        elif source.is_dir():
            done = subprocess.run(["git", "-C", str(source), "show", f"{COMMIT}:{name}"],  # noqa: S603, S607
                                  capture_output=True, check=False)
            if done.returncode != 0:
                raise _missing(source, f"{name} is neither in the folder nor in a git repository at that commit")
            blob = done.stdout
        else:
            raise _missing(source, "no such folder")
        if hashlib.sha256(blob).hexdigest() != sha:
            raise _missing(source, f"{name} has sha256 {hashlib.sha256(blob).hexdigest()}, not the pinned file")
        out[part] = blob
    return out


@dataclass(frozen=True)
class Autoencoder:
    """TAEF2's encoder and decoder (torch modules, evaluation mode)."""

    encoder: Any
    decoder: Any


def build() -> Autoencoder:
    """The untrained network (``load`` fills it)."""
    import torch
    from torch import nn

    def conv(n_in: int, n_out: int, *, stride: int = 1, bias: bool = True) -> nn.Conv2d:
        return nn.Conv2d(n_in, n_out, 3, stride=stride, padding=1, bias=bias)

    class Residual(nn.Module):
        """Three 3×3 convolutions (ReLU between) plus the input, then ReLU; optionally a global-statistics branch
        added to the input first. Attribute names follow the published state dict."""

        def __init__(self, global_branch: bool) -> None:
            super().__init__()
            self.conv = nn.Sequential(conv(WIDTH, WIDTH), nn.ReLU(), conv(WIDTH, WIDTH), nn.ReLU(), conv(WIDTH, WIDTH))
            self.skip = nn.Identity()
            self.fuse = nn.ReLU()
            self.pool = nn.Sequential(
                nn.Conv2d(WIDTH, 4 * WIDTH, 1, bias=False), nn.GroupNorm(4, 4 * WIDTH), nn.ReLU(),
                nn.Conv2d(4 * WIDTH, WIDTH, 1, bias=False)) if global_branch else None

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.pool is not None:
                x = x + self.pool(x)
            return self.fuse(self.conv(x) + self.skip(x))

    class SoftClamp(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.tanh(x / 3) * 3

    def blocks(count: int, global_branch: bool = False) -> list[nn.Module]:
        return [Residual(global_branch) for _ in range(count)]

    down: list[nn.Module] = [conv(3, WIDTH), *blocks(1)]
    for level in range(3):  # three halvings: 8× fewer pixels per side
        down += [conv(WIDTH, WIDTH, stride=2, bias=False), *blocks(3, global_branch=level == 2)]
    down.append(conv(WIDTH, LATENT_CHANNELS))

    up: list[nn.Module] = [SoftClamp(), conv(LATENT_CHANNELS, WIDTH), nn.ReLU(), *blocks(3, global_branch=True)]
    for level in range(3):  # three doublings, the last followed by one block
        up += [nn.Upsample(scale_factor=2), conv(WIDTH, WIDTH, bias=False), *blocks(3 if level < 2 else 1)]
    up.append(conv(WIDTH, 3))
    return Autoencoder(nn.Sequential(*down).eval(), nn.Sequential(*up).eval())


def load(source: Path | None = None) -> Autoencoder:
    """TAEF2 with its published weights from ``source`` (default: ``default_source()``)."""
    import io

    import torch

    where = source if source is not None else default_source()
    blobs = read_weights(where)
    model = build()
    for part, module in (("encoder", model.encoder), ("decoder", model.decoder)):
        state = torch.load(io.BytesIO(blobs[part]), map_location="cpu", weights_only=True)
        module.load_state_dict(state, strict=True)
    return model


def reconstruct(model: Autoencoder, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (H×W×3 uint8) encoded to TAEF2's latent and decoded back, uint8; H and W are first cropped (from the
    top left) to multiples of 8."""
    import torch

    h, w = (rgb.shape[0] // SCALE) * SCALE, (rgb.shape[1] // SCALE) * SCALE
    if h == 0 or w == 0:
        raise ValueError(f"a picture of {rgb.shape[1]}×{rgb.shape[0]} px is smaller than one latent cell")
    x = torch.from_numpy(np.array(rgb[:h, :w, :3], dtype=np.float32)).permute(2, 0, 1)[None] / 255.0
    with torch.inference_mode():
        y = model.decoder(model.encoder(x)).clamp(0, 1)
    return (y[0].permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)


def random_crop(rgb: np.ndarray, rng: np.random.Generator, max_side: int) -> np.ndarray:
    """A crop of at most ``max_side`` px per side at a random spot (the whole picture if it is smaller)."""
    h, w = rgb.shape[:2]
    ch, cw = min(h, max_side), min(w, max_side)
    top = int(rng.integers(0, h - ch + 1))
    left = int(rng.integers(0, w - cw + 1))
    return rgb[top:top + ch, left:left + cw]


_LOADED: dict[str, Autoencoder] = {}


def cached(source: Path | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """``reconstruct`` with the model loaded once per process (training workers)."""
    where = str(source if source is not None else default_source())
    if where not in _LOADED:
        _LOADED[where] = load(Path(where))
    model = _LOADED[where]
    return lambda rgb: reconstruct(model, rgb)
