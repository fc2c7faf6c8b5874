"""Randomised social-platform damage for training images and clips (training only; never shipped as a user feature).

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



def decoded_start(info: object, max_span_s: float = 8.0, max_side_px: int = 960) -> list[tuple[float, np.ndarray]]:
    """Every frame of the first ``max_span_s`` seconds, (time, RGB), for ``random_launder_video``."""
    from veracity.config import SamplingPlan
    from veracity.media.video import iter_frames

    plan = SamplingPlan(fps_cap=1000.0, max_frames=int(max_span_s * 60), max_side_px=max_side_px)
    unspread = info.model_copy(update={"duration_s": None})  # type: ignore[attr-defined]
    frames = []
    for frame in iter_frames(unspread, plan):
        if frame.time_s > max_span_s:
            break
        frames.append((frame.time_s, frame.rgb))
    return frames


def random_launder_video(source: list[tuple[float, np.ndarray]], dst: str, rng: np.random.Generator) -> dict:
    """Re-encode a clip with randomised damage: random start and 1.5–3 s length, frame-rate conversion to
    6–30 fps (frames repeated or dropped by display time, as ffmpeg's fps filter does), random crop (aspect
    1:2..2:1, 50–100% of the area), longest side 256–960 px (never upscaled), H.264 yuv420p CRF 20–32 in MP4.
    ``source`` comes from ``decoded_start``; returns the drawn settings."""
    from fractions import Fraction

    import av

    from veracity.bench.launder import X264_OPTIONS

    if not source:
        raise ValueError("no frames")
    total_s = source[-1][0] + (source[-1][0] - source[-2][0] if len(source) > 1 else 0.1)
    length_s = float(min(total_s, rng.uniform(1.5, 3.0)))  # generated clips are ~2 s: length must not tell
    start_s = float(rng.uniform(0.0, max(0.0, total_s - length_s)))
    fps_out = float(rng.uniform(6.0, 30.0))
    crf = int(rng.integers(20, 33))
    height, width = source[0][1].shape[:2]
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    area = rng.uniform(0.5, 1.0) * height * width
    crop_w = int(min(width, max(32, round(np.sqrt(area * aspect)))))
    crop_h = int(min(height, max(32, round(np.sqrt(area / aspect)))))
    y0 = int(rng.integers(0, height - crop_h + 1))
    x0 = int(rng.integers(0, width - crop_w + 1))
    long_side = min(int(rng.integers(256, 961)), max(crop_w, crop_h))
    scale = long_side / max(crop_w, crop_h)
    out_w, out_h = max(16, round(crop_w * scale) // 2 * 2), max(16, round(crop_h * scale) // 2 * 2)
    times = np.array([t for t, _ in source])
    with av.open(dst, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps_out).limit_denominator(1001),
                                options={"crf": str(crf), "preset": "veryfast", **X264_OPTIONS})
        stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
        for k in range(max(2, int(length_s * fps_out))):
            i = int(np.searchsorted(times, start_s + k / fps_out + 1e-6, side="right") - 1)
            rgb = source[max(0, i)][1][y0 : y0 + crop_h, x0 : x0 + crop_w]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame = frame.reformat(width=out_w, height=out_h, format="yuv420p")
            frame.pts = k
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return {"fps": round(fps_out, 2), "crf": crf, "start_s": round(start_s, 2), "length_s": round(length_s, 2),
            "width": out_w, "height": out_h}
