"""Pictures made in code: real photos (scikit-image's, offline), JPEG round trips, a noisy smooth scene, a splice
of a never-compressed patch into a compressed photo, and the edits a re-upload goes through."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np


def photo(name: str = "astronaut") -> np.ndarray:
    """A real photo shipped with scikit-image (``astronaut``, ``coffee``, ``chelsea``...), as H×W×3 uint8 RGB."""
    from skimage import data

    rgb = getattr(data, name)()
    if rgb.ndim == 2:
        rgb = np.stack([rgb] * 3, axis=-1)
    return np.ascontiguousarray(rgb[..., :3])


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """The pixels after one JPEG save at ``quality`` and a decode."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def save_jpeg(rgb: np.ndarray, path: Path, quality: int = 90) -> Path:
    from PIL import Image

    Image.fromarray(rgb).save(path, "JPEG", quality=quality)
    return path


def smooth_scene(height: int = 384, width: int = 512, noise_sigma: float = 3.0,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A smoothly shaded scene with even sensor-like noise; returns (noisy uint8, noise-free float)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    scene = np.stack([100 + 60 * np.sin(xx / 50) + 30 * np.cos(yy / 40), 120 + 50 * np.cos(xx / 70 + yy / 90),
                      90 + 40 * np.sin((xx + yy) / 60)], axis=2)
    scene[150:250, 50:200] = [200, 60, 60]
    noisy = np.clip(scene + rng.normal(0, noise_sigma, scene.shape), 0, 255).astype(np.uint8)
    return noisy, scene


def splice_fresh_into_compressed(base: np.ndarray, donor: np.ndarray, box_xyxy: tuple[int, int, int, int], *,
                                 background_quality: int, final_quality: int | None) -> np.ndarray:
    """Background compressed at one quality, a never-compressed patch pasted on the 8-px grid, saved again
    (``final_quality`` None: not yet saved, for the caller to write the file). The classic ELA test case."""
    x0, y0, x1, y1 = box_xyxy
    out = jpeg_roundtrip(base, background_quality).copy()
    out[y0:y1, x0:x1] = donor[: y1 - y0, : x1 - x0]
    return out if final_quality is None else jpeg_roundtrip(out, final_quality)


def reupload_variants(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """The edits a re-upload goes through: re-encode, resize, crops ≤ 20%, mirror, borders, captions."""
    from PIL import Image, ImageDraw, ImageOps

    h, w = rgb.shape[:2]
    out = {
        "jpeg_q35": jpeg_roundtrip(rgb, 35),
        "resized_40pct": np.asarray(Image.fromarray(rgb).resize((w * 2 // 5, h * 2 // 5))),
        "crop_10pct_each_side": rgb[h // 10: h - h // 10, w // 10: w - w // 10],
        "crop_20pct_left": rgb[:, w // 5:],
        "mirror": rgb[:, ::-1],
        "black_border": np.asarray(ImageOps.expand(Image.fromarray(rgb), border=w // 8, fill=(0, 0, 0))),
    }
    band = Image.new("RGB", (w, h + h // 5), "white")
    band.paste(Image.fromarray(rgb), (0, h // 5))
    ImageDraw.Draw(band).text((10, 10), "BREAKING: you will not believe this", fill="black")
    out["caption_band"] = np.asarray(band)
    overlay = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, h - h // 8, w, h), fill=(20, 20, 20))
    draw.text((10, h - h // 10), "subtitle burned into the picture", fill="white")
    out["caption_overlay"] = np.asarray(overlay)
    mixed = rgb[h // 12: h - h // 12, w // 12: w - w // 12][:, ::-1]
    out["crop_mirror_small_q50"] = jpeg_roundtrip(np.asarray(Image.fromarray(mixed).resize((w // 3, h // 3))), 50)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}
