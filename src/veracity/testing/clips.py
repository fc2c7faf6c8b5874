"""Video made in code: slow pans over photos (with scene cuts), written as H.264 MP4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def pan_frames(photos: list[np.ndarray], *, seconds_each: float = 3.0, fps: int = 8,
               size: tuple[int, int] = (256, 192)) -> list[np.ndarray]:
    """A slow pan over each photo in turn (scene cuts between them)."""
    from PIL import Image

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
    """Frames (H×W×3 uint8) as an H.264 MP4 at ``fps`` and ``crf`` (sizes cropped to even numbers)."""
    import av

    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream("libx264", rate=fps)
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
