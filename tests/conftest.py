from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest

from veracity.samples import samples_dir

SAMPLES = samples_dir()


def png_with_header_size(path: Path, width: int, height: int) -> Path:
    """A tiny, valid-looking PNG whose header claims ``width``×``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))
    return path


def empty_video(path: Path) -> Path:
    """An MP4 with a video stream and no frames."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()
    return path


@pytest.fixture()
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """One file per kind of bad input the CLI must explain in one line."""
    files = {
        "empty": tmp_path / "empty.jpg",
        "random": tmp_path / "random.bin",
        "text_as_mp4": tmp_path / "notes.mp4",
        "truncated_mp4": tmp_path / "truncated.mp4",
        "pixel_bomb": tmp_path / "huge.png",
        "zero_length_video": tmp_path / "zero.mp4",
    }
    files["empty"].write_bytes(b"")
    files["random"].write_bytes(bytes(range(256)) * 7 + b"\x13\x37" * 100)
    files["text_as_mp4"].write_text("this is not a video, just some notes\n" * 20)
    video = (SAMPLES / "moving_shapes.mp4").read_bytes()
    files["truncated_mp4"].write_bytes(video[:2000])
    png_with_header_size(files["pixel_bomb"], 50_000, 50_000)
    empty_video(files["zero_length_video"])
    return files


@pytest.fixture()
def sample_copy(tmp_path: Path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(SAMPLES / name, target)
        return target

    return copy
