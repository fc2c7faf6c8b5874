"""Small sample files shipped with Veracity for the demo and the tests (made by ``_make.py``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SAMPLE_NAMES = (
    "camera_photo.jpg",  # a real photo with camera EXIF
    "spliced_photo.jpg",  # the same kind of photo with a pasted, differently compressed region
    "generated_parameters.png",  # a picture carrying a Stable Diffusion WebUI 'parameters' chunk
    "moving_shapes.mp4",  # a few seconds of a face-free scene with a tone on the sound track
    "tone.wav",  # a short harmonic tone
)


def samples_dir() -> Path:
    return Path(str(resources.files("veracity.samples").joinpath("data")))


def sample_paths() -> list[Path]:
    folder = samples_dir()
    return [folder / name for name in SAMPLE_NAMES]
