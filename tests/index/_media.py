"""Media built in code for the index tests: photos from scikit-image, clips panning over them, synthetic music."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps


def photo(name: str) -> np.ndarray:
    from skimage import data

    rgb = getattr(data, name)()
    if rgb.ndim == 2:
        rgb = np.stack([rgb] * 3, axis=-1)
    return np.ascontiguousarray(rgb[..., :3])


def save_jpeg(rgb: np.ndarray, path: Path, quality: int = 90) -> Path:
    Image.fromarray(rgb).save(path, "JPEG", quality=quality)
    return path


def recompress(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def image_variants(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """The edits a re-upload goes through: re-encode, resize, crops ≤ 20%, mirror, borders, captions."""
    h, w = rgb.shape[:2]
    out = {
        "jpeg_q35": recompress(rgb, 35),
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
    out["crop_mirror_small_q50"] = recompress(np.asarray(Image.fromarray(mixed).resize((w // 3, h // 3))), 50)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def pan_frames(photos: list[np.ndarray], *, seconds_each: float = 3.0, fps: int = 8,
               size: tuple[int, int] = (256, 192)) -> list[np.ndarray]:
    """A slow pan over each photo in turn (scene cuts between them)."""
    frames = []
    n = int(seconds_each * fps)
    for rgb in photos:
        h, w = rgb.shape[:2]
        cw, ch = int(w * 0.6), int(h * 0.6)
        for k in range(n):
            x = int((w - cw) * k / n)
            y = (h - ch) // 2
            frames.append(np.asarray(Image.fromarray(rgb[y:y + ch, x:x + cw]).resize(size)))
    return frames


def write_video(frames: list[np.ndarray], path: Path, *, fps: int = 8, crf: int = 23) -> Path:
    import av

    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width // 2 * 2, height // 2 * 2, "yuv420p"
        stream.options = {"crf": str(crf)}
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[: height // 2 * 2, : width // 2 * 2]),
                                               format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def music(seed: int, seconds: float = 12.0, sample_rate_hz: int = 16000) -> np.ndarray:
    """A random melody of harmonic notes with percussive clicks: rich enough in spectral peaks to fingerprint."""
    rng = np.random.default_rng(seed)
    total = int(seconds * sample_rate_hz)
    out = np.zeros(total, np.float32)
    t0 = 0
    while t0 < total:
        length = int(rng.uniform(0.12, 0.4) * sample_rate_hz)
        t = np.arange(min(length, total - t0)) / sample_rate_hz
        base = 110.0 * 2 ** (rng.integers(0, 36) / 12)
        note = sum(np.sin(2 * np.pi * base * k * t) / k for k in range(1, 5))
        envelope = np.exp(-t * rng.uniform(2, 8))
        out[t0:t0 + len(t)] += (0.3 * note * envelope).astype(np.float32)
        t0 += len(t)
    return out / max(1e-6, float(np.abs(out).max())) * 0.8


def write_audio(samples: np.ndarray, path: Path, sample_rate_hz: int = 16000, codec: str | None = None) -> Path:
    import av

    codec = codec or ("pcm_s16le" if path.suffix == ".wav" else "libmp3lame")
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=sample_rate_hz, layout="mono")
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = sample_rate_hz
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
