"""Training pairs for the face-forgery CNN: real aligned crops and fakes made from them, both damaged alike.

Fakes: self-blended images (``self_blend_random``, Shiohara & Yamasaki, CVPR 2022) and landmark-warped swaps
between two different real faces (``face_swap``). Every crop, real or fake, then goes through the same social-media
damage (``damage``), so size, JPEG state or colour statistics can't tell the classes apart.
"""

from __future__ import annotations

import numpy as np

from training.manipulations.face_swap import face_swap, self_blend_random

P_SWAP = 0.25  # share of fakes that are swaps between two identities (the rest are self-blends)


def _jitter_alignment(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Small shift/rotation/zoom: the face pipeline's alignment is not exact either."""
    import cv2

    size = rgb.shape[0]
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-4, 4), rng.uniform(0.95, 1.05))
    matrix[:, 2] += rng.uniform(-5, 5, 2)
    return cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _palette(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    dither = Image.Dither.FLOYDSTEINBERG if rng.random() < 0.5 else Image.Dither.NONE
    quantised = Image.fromarray(rgb).quantize(colors=int(rng.integers(64, 257)), dither=dither)
    return np.asarray(quantised.convert("RGB"))


def damage(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random flip, colour jitter, down/up-scale 0.6–1, mild blur and noise, GIF palette, JPEG q70–95 (each with some
    probability). Realistic strength on purpose: at 128 px, JPEG q50 with a 0.4× downscale erases the blending
    seam the network has to learn, and it then learns nothing."""
    import cv2

    out = _jitter_alignment(rgb, rng)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    img = out.astype(np.float32)
    if rng.random() < 0.8:
        img = img * rng.uniform(0.85, 1.15) + rng.uniform(-15, 15)  # brightness/contrast
        grey = img.mean(2, keepdims=True)
        img = grey + (img - grey) * rng.uniform(0.7, 1.3)  # saturation
        img = img * rng.uniform(0.95, 1.05, 3)  # white balance
    img = img.clip(0, 255)
    size = img.shape[0]
    if rng.random() < 0.4:
        small = max(16, int(size * rng.uniform(0.6, 1.0)))
        img = cv2.resize(img, (small, small), interpolation=cv2.INTER_AREA)
        img = cv2.resize(img, (size, size), interpolation=[cv2.INTER_LINEAR, cv2.INTER_CUBIC][int(rng.integers(2))])
    if rng.random() < 0.15:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 0.8))
    if rng.random() < 0.2:
        img = img + rng.normal(0, rng.uniform(1, 3), img.shape).astype(np.float32)
    out = img.clip(0, 255).astype(np.uint8)
    if rng.random() < 0.1:  # GIF-style palette (corpus fakes are often GIFs: the palette must not tell)
        out = _palette(out, rng)
    if rng.random() < 0.7:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 96))])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)


def make_fake(target: int, crops: np.ndarray, landmarks: np.ndarray, identity: np.ndarray, meshed: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A fake made from real crop ``target``: a self-blend, or (``P_SWAP``) the face of another identity swapped in.
    Returns the picture and the index of the crop whose face it shows."""
    if rng.random() < P_SWAP:
        others = meshed[identity[meshed] != identity[target]]
        if len(others):
            source = int(rng.choice(others))
            try:
                swapped = face_swap(crops[source], crops[target], landmarks[source], landmarks[target],
                                    erode_px=int(rng.integers(2, 6)))
                return swapped, source
            except Exception:  # noqa: BLE001 - degenerate triangulation or clone region: self-blend instead
                pass
    return self_blend_random(crops[target], landmarks[target], rng), target
