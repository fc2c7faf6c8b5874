"""Crafted hostile inputs, made in code: files built to exhaust memory or time, or to be mistaken for media.

Each builder writes one file and returns its path; the big ones stream their bytes (no 100-MP array is ever held by
the builder except ``at_limit_jpeg``, which Pillow must encode). Used by tests/media/test_hostile.py,
tests/server/test_hostile_clients.py and bench/hostile.py (which measures peak memory and time of
``veracity check`` on each).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

# --- GIF ----------------------------------------------------------------------------------------------------------

_ONE_PIXEL_LZW = b"\x02\x02\x44\x01\x00"  # min code size 2, clear + pixel 0 + end, then the block terminator


def _gif(screen: tuple[int, int], frames: list[tuple[int, int, int, int]], delay_cs: int = 10) -> bytes:
    """A GIF89a with a 2-colour palette and one GCE + image descriptor per frame (left, top, width, height);
    every frame is a single pixel of LZW data (Pillow fills the rest of the rectangle as the data runs out)."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", screen[0], screen[1], 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff")
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for left, top, width, height in frames:
        out += b"\x21\xf9\x04\x04" + struct.pack("<H", delay_cs) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<4HB", left, top, width, height, 0) + _ONE_PIXEL_LZW
    return bytes(out + b"\x3b")


def canvas_bomb_gif(path: Path) -> Path:
    """A 16×16 screen whose single frame sits at (65000, 65000): Pillow grows the canvas to hold it (21.7 GB as RGBA
    when nothing checks it)."""
    path.write_bytes(_gif((16, 16), [(65000, 65000, 16, 16)]))
    return path


def screen_bomb_gif(path: Path) -> Path:
    """A 65535×65535 logical screen with two tiny frames: reading ``is_animated`` first used to allocate it."""
    path.write_bytes(_gif((65535, 65535), [(0, 0, 1, 1), (1, 1, 1, 1)]))
    return path


def many_frames_gif(path: Path, frames: int = 300, side: int = 10000) -> Path:
    """``frames`` one-pixel frames on a ``side``² canvas (7 KB at 300 frames): probing and decoding every frame
    composites the whole canvas each time."""
    path.write_bytes(_gif((side, side), [((7 * i) % side, (13 * i) % side, 1, 1) for i in range(frames)]))
    return path


# --- JPEG with a thumbnail bomb ---------------------------------------------------------------------------------

def _jpeg_bytes(width: int, height: int, quality: int = 85) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _patch_sof(jpeg: bytes, width: int, height: int) -> bytes:
    at = jpeg.index(b"\xff\xc0")
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]


def thumbnail_bomb_jpeg(path: Path, claimed_side: int = 20000) -> Path:
    """A small photo whose EXIF thumbnail (IFD1) is a 16×16 JPEG whose header claims ``claimed_side``²."""
    thumb = _patch_sof(_jpeg_bytes(16, 16), claimed_side, claimed_side)
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHI4s", 0x010F, 2, 4, b"Cam\x00") + struct.pack(">I", 26)
    thumb_at = 8 + len(ifd0) + 2 + 2 * 12 + 4
    ifd1 = struct.pack(">H", 2) + struct.pack(">HHII", 0x0201, 4, 1, thumb_at)
    ifd1 += struct.pack(">HHII", 0x0202, 4, 1, len(thumb)) + struct.pack(">I", 0)
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + ifd1 + thumb
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    main = _jpeg_bytes(256, 192)
    path.write_bytes(main[:2] + app1 + main[2:])
    return path


# --- pictures exactly at the pixel limit --------------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def at_limit_png(path: Path, width: int = 10000, height: int = 10000) -> Path:
    """An RGB PNG of ``width``×``height`` (100 MP by default: exactly the default limit) of a soft gradient, a few
    hundred KB; streamed row by row, so building it holds one row."""
    compressor = zlib.compressobj(9)
    parts = [b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    ramp = bytes((x * 255 // max(1, width - 1)) for x in range(width))
    pending = bytearray()
    for y in range(height):
        shade = y * 255 // max(1, height - 1)
        row = bytearray(3 * width)
        row[0::3] = ramp
        row[1::3] = bytes([shade]) * width
        row[2::3] = ramp[::-1]
        pending += compressor.compress(b"\x00" + bytes(row))
        if len(pending) > 1 << 20:
            parts.append(_png_chunk(b"IDAT", bytes(pending)))
            pending.clear()
    pending += compressor.flush()
    parts += [_png_chunk(b"IDAT", bytes(pending)), _png_chunk(b"IEND", b"")]
    with path.open("wb") as handle:
        for part in parts:
            handle.write(part)
    return path


def at_limit_jpeg(path: Path, width: int = 10000, height: int = 10000) -> Path:
    """An RGB JPEG of ``width``×``height`` (100 MP by default) of soft gradients."""
    from PIL import Image

    red = Image.linear_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    green = red.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    blue = red.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image = Image.merge("RGB", (red, green, blue))
    del red, green, blue
    image.save(path, format="JPEG", quality=80)
    return path


# --- audio --------------------------------------------------------------------------------------------------------

def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


_CRC16_TABLE: list[int] = []


def _crc16(data: bytes) -> int:
    if not _CRC16_TABLE:
        for value in range(256):
            crc = value << 8
            for _ in range(8):
                crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
            _CRC16_TABLE.append(crc)
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16_TABLE[(crc >> 8) ^ byte]
    return crc


def _utf8_number(value: int) -> bytes:
    """FLAC's UTF-8-like coding of the frame number (up to 36 bits, surrogates allowed)."""
    if value < 0x80:
        return bytes([value])
    extra = 1
    while value >= 1 << (6 * extra + 6 - extra):
        extra += 1
    lead = (0xFF << (7 - extra)) & 0xFF
    out = [lead | (value >> (6 * extra))]
    for shift in range(extra - 1, -1, -1):
        out.append(0x80 | ((value >> (6 * shift)) & 0x3F))
    return bytes(out)


def long_silent_flac(path: Path, seconds: float = 2 * 3600 + 55 * 60, rate_hz: int = 16000) -> Path:
    """Mono 16-bit FLAC of silence (CONSTANT subframes, about 15 bytes per 4096 samples): 2 h 55 min in ~0.6 MB."""
    total = int(seconds * rate_hz)
    block = 4096
    info = struct.pack(">HH", block, block) + b"\x00" * 6
    packed = (rate_hz << 44) | (0 << 41) | (15 << 36) | total  # rate 20 bits, channels-1 3, bps-1 5, samples 36
    info += packed.to_bytes(8, "big") + b"\x00" * 16
    with path.open("wb") as handle:
        handle.write(b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info)
        frame_no = 0
        for start in range(0, total, block):
            size = min(block, total - start)
            header = b"\xff\xf8\x70\x08" + _utf8_number(frame_no) + struct.pack(">H", size - 1)
            header += bytes([_crc8(header)])
            frame = header + b"\x00\x00\x00"  # CONSTANT subframe, value 0
            handle.write(frame + struct.pack(">H", _crc16(frame)))
            frame_no += 1
    return path


def wav_zero_bits(path: Path) -> Path:
    """A WAV whose format chunk says 0 bits per sample (and so 0 bytes per frame)."""
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 0, 0, 0)
    data = b"\x00" * 3200
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def wav_absurd_rate(path: Path, rate_hz: int = 939_556_096) -> Path:
    """A stereo float WAV of a quarter second whose format chunk claims ``rate_hz`` samples per second (found by
    the fuzz benchmark: resampling from 939 MHz took 1 GB to decode nothing)."""
    fmt = struct.pack("<HHIIHH", 3, 2, rate_hz, (rate_hz * 8) & 0xFFFFFFFF, 8, 32)
    data = b"\x00" * 8 * 4000
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


# --- not media at all ---------------------------------------------------------------------------------------------

def one_byte_jpg(path: Path) -> Path:
    path.write_bytes(b"\xff")
    return path


def html_named_png(path: Path) -> Path:
    path.write_text("<!doctype html>\n<html><head><title>not a picture</title></head>\n"
                    "<body><p>This page was saved with a .png name.</p></body></html>\n", encoding="utf-8")
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# name -> (file name, builder): the crafted cases of issue 17, each small enough to build in a second or two except
# the two at-limit pictures (a few seconds each at 100 MP).
CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "canvas_bomb_gif": ("canvas_bomb.gif", canvas_bomb_gif),
    "screen_bomb_gif": ("screen_bomb.gif", screen_bomb_gif),
    "thumbnail_bomb_jpeg": ("thumbnail_bomb.jpg", thumbnail_bomb_jpeg),
    "many_frames_gif": ("many_frames.gif", many_frames_gif),
    "many_frames_at_animation_limit_gif": ("many_frames_5k.gif", lambda path: many_frames_gif(path, 300, 5000)),
    "long_silent_flac": ("silence.flac", long_silent_flac),
    "wav_zero_bits": ("zero_bits.wav", wav_zero_bits),
    "wav_absurd_rate": ("absurd_rate.wav", wav_absurd_rate),
    "one_byte_jpg": ("one_byte.jpg", one_byte_jpg),
    "html_named_png": ("page.png", html_named_png),
    "fifo": ("pipe.mp4", fifo),
    "at_limit_png": ("at_limit.png", at_limit_png),
    "at_limit_jpeg": ("at_limit.jpg", at_limit_jpeg),
}
