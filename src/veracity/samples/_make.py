"""Rebuild the bundled samples: ``python -m veracity.samples._make`` (needs scikit-image for its test photos)."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import numpy as np


def _camera_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 40D"
    exif[0x0131] = "Firmware Version 1.1.1"
    exif[0x0132] = "2021:06:12 14:03:11"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "2021:06:12 14:03:11"
    ifd[0x829A] = (1, 160)
    ifd[0x829D] = (71, 10)
    ifd[0x8827] = 200
    ifd[0x920A] = (50, 1)
    return exif.tobytes()


def make_camera_photo(target: Path) -> None:
    from PIL import Image
    from skimage import data

    Image.fromarray(data.chelsea()).save(target, "JPEG", quality=92, exif=_camera_exif())


def make_spliced_photo(target: Path) -> None:
    from PIL import Image
    from skimage import data

    base = Image.fromarray(data.coffee())
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", quality=60)
    background = np.asarray(Image.open(buffer).convert("RGB")).copy()
    patch = data.astronaut()[40:200, 170:330]  # the astronaut's face, never compressed at 60
    background[120:280, 380:540] = patch
    Image.fromarray(background).save(target, "JPEG", quality=92)


def make_generated_png(target: Path) -> None:
    from PIL import Image, PngImagePlugin

    y, x = np.mgrid[0:384, 0:384] / 384.0
    rgb = np.stack(
        [0.5 + 0.5 * np.sin(6 * x + 3 * y), 0.5 + 0.5 * np.sin(5 * y - 2 * x + 1), 0.5 + 0.5 * np.cos(4 * x * y + 2)],
        axis=2,
    )
    info = PngImagePlugin.PngInfo()
    info.add_text(
        "parameters",
        "a watercolor landscape at dawn, soft light\nNegative prompt: blurry\n"
        "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 384x384, Model: v1-5-pruned-emaonly",
    )
    Image.fromarray((rgb * 255).astype(np.uint8)).save(target, "PNG", pnginfo=info)


def make_video(target: Path, seconds: float = 3.0, fps: int = 15) -> None:
    import av

    width, height, rate = 320, 240, 22050
    with av.open(str(target), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "28", "preset": "veryfast"}
        audio = container.add_stream("aac", rate=rate)
        audio.layout = "mono"
        yy, xx = np.mgrid[0:height, 0:width]
        for i in range(int(seconds * fps)):
            t = i / fps
            frame = np.zeros((height, width, 3), np.uint8)
            frame[..., 0] = (60 + 40 * np.sin(xx / 40 + t)).astype(np.uint8)
            frame[..., 2] = (90 + 30 * np.cos(yy / 30 - t)).astype(np.uint8)
            cx, cy = int(40 + 240 * t / seconds), int(120 + 60 * np.sin(2 * t))
            frame[(xx - cx) ** 2 + (yy - cy) ** 2 < 25**2] = (240, 200, 40)
            frame[100:140, int(250 - 60 * t) : int(290 - 60 * t)] = (40, 200, 90)
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        samples = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
        for start in range(0, samples.size, 1024):
            chunk = samples[start : start + 1024]
            audio_frame = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            audio_frame.sample_rate, audio_frame.pts, audio_frame.time_base = rate, start, Fraction(1, rate)
            for packet in audio.encode(audio_frame):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                container.mux(packet)


def make_tone(target: Path, seconds: float = 2.0, rate: int = 16000) -> None:
    import wave

    t = np.arange(int(seconds * rate)) / rate
    pitch = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    signal = sum(np.sin(k * phase) / k for k in range(1, 8)) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2)
    pcm = (signal / np.abs(signal).max() * 0.5 * 32767).astype("<i2")
    with wave.open(str(target), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())


def main() -> None:
    from veracity.samples import samples_dir

    folder = samples_dir()
    folder.mkdir(parents=True, exist_ok=True)
    make_camera_photo(folder / "camera_photo.jpg")
    make_spliced_photo(folder / "spliced_photo.jpg")
    make_generated_png(folder / "generated_parameters.png")
    make_video(folder / "moving_shapes.mp4")
    make_tone(folder / "tone.wav")


if __name__ == "__main__":
    main()
