"""Randomised social-platform damage for training images (training only; never shipped as a user feature).

Each draw: a random crop (aspect ratio 1:2 .. 2:1, 50–100% of the area), the longest side brought to a random
512–1024 px (never upscaled, as platforms do), JPEG quality 70–95, no metadata. ``veracity bench --launder``
(longest side ≤ 1024, quality 85) is one point of this distribution.
"""

from __future__ import annotations

import io

import numpy as np


def random_launder(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    height, width = rgb.shape[:2]
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    area = rng.uniform(0.5, 1.0) * height * width
    crop_w = int(min(width, max(64, round(np.sqrt(area * aspect)))))
    crop_h = int(min(height, max(64, round(np.sqrt(area / aspect)))))
    y0 = int(rng.integers(0, height - crop_h + 1))
    x0 = int(rng.integers(0, width - crop_w + 1))
    image = Image.fromarray(np.ascontiguousarray(rgb[y0 : y0 + crop_h, x0 : x0 + crop_w]))
    long_side = int(rng.integers(512, 1025))
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(70, 96)))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))
