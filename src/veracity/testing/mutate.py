"""Hostile variants of valid files, for fuzzing intake (``bench/fuzz.py``): each mutation class takes the seed's
bytes and a random generator and returns new bytes. Deterministic for a given generator state.

Classes: ``byte_flip`` (a few random bytes anywhere), ``truncate`` (cut anywhere), ``header`` (bytes of the first
kilobyte set to 0x00/0xFF/random), ``dimensions`` (width/height/frame-count fields set absurdly high or to zero),
``rates`` (sample rates, time scales and durations set to 0, 1 or the maximum), ``metadata`` (an oversized
metadata block: EXIF/COM, PNG text, MP4 ``udta``, RIFF ``LIST``), ``polyglot`` (one format's header glued to
another's body, or two files back to back).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import numpy as np

Mutation = Callable[[bytes, np.random.Generator, bytes], bytes]  # (seed bytes, rng, another seed's bytes)

HUGE_U16 = (0xFFFF, 0xFFFE, 0x8000, 0)
HUGE_U32 = (0xFFFFFFFF, 0x7FFFFFFF, 0x10000, 1, 0)


def byte_flip(data: bytes, rng: np.random.Generator, _other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 33))):
        i = int(rng.integers(0, len(out)))
        out[i] ^= 1 << int(rng.integers(0, 8))
    return bytes(out)


def truncate(data: bytes, rng: np.random.Generator, _other: bytes) -> bytes:
    cut = int(rng.integers(1, max(2, len(data))))
    return data[:cut]


def header(data: bytes, rng: np.random.Generator, _other: bytes) -> bytes:
    out = bytearray(data)
    span = min(len(out), 1024)
    for _ in range(int(rng.integers(1, 9))):
        i = int(rng.integers(0, span))
        out[i] = int(rng.choice([0x00, 0xFF, int(rng.integers(0, 256))]))
    return bytes(out)


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]] | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    chunks, pos = [], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return out


def _set(out: bytearray, at: int, fmt: str, value: int) -> None:
    if 0 <= at and at + struct.calcsize(fmt) <= len(out):
        struct.pack_into(fmt, out, at, value)


def _boxes(data: bytes, names: tuple[bytes, ...]) -> list[int]:
    """Offsets of ISO-BMFF boxes with these names (their size field), found by a byte search."""
    found = []
    for name in names:
        start = 0
        while (i := data.find(name, start)) != -1:
            if i >= 4:
                found.append(i - 4)
            start = i + 1
    return found


def dimensions(data: bytes, rng: np.random.Generator, _other: bytes) -> bytes:
    out = bytearray(data)
    big16 = int(rng.choice(HUGE_U16))
    big32 = int(rng.choice(HUGE_U32))
    if (chunks := _png_chunks(data)) and chunks[0][0] == b"IHDR":
        ihdr = bytearray(chunks[0][1])
        _set(ihdr, 0, ">I", big32)
        _set(ihdr, 4, ">I", int(rng.choice(HUGE_U32)))
        return _png([(b"IHDR", bytes(ihdr)), *chunks[1:]])
    if data.startswith(b"\xff\xd8"):
        for marker in (b"\xff\xc0", b"\xff\xc1", b"\xff\xc2"):
            if (i := data.find(marker)) != -1:
                _set(out, i + 5, ">H", big16)
                _set(out, i + 7, ">H", int(rng.choice(HUGE_U16)))
        return bytes(out)
    if data[:3] == b"GIF":
        _set(out, 6, "<H", big16)
        _set(out, 8, "<H", int(rng.choice(HUGE_U16)))
        return bytes(out)
    if data[:2] == b"BM":
        _set(out, 18, "<i", int(rng.choice([2**31 - 1, -(2**31), 0, 65535])))
        _set(out, 22, "<i", int(rng.choice([2**31 - 1, -(2**31), 0, 65535])))
        return bytes(out)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        for i in _boxes(data, (b"VP8X",)):
            _set(out, i + 12 + 4, "<I", 0xFFFFFF)  # canvas width-1 and height-1 (24-bit)
        return bytes(out)
    for at in _boxes(data, (b"tkhd",)):
        _set(out, at + 8 + 76, ">I", big32)  # width (16.16) in a version-0 tkhd
        _set(out, at + 8 + 80, ">I", int(rng.choice(HUGE_U32)))
    for at in _boxes(data, (b"avc1", b"hvc1", b"hev1", b"mp4v", b"av01")):
        _set(out, at + 8 + 24, ">H", big16)
        _set(out, at + 8 + 26, ">H", int(rng.choice(HUGE_U16)))
    for at in _boxes(data, (b"stsz",)):
        _set(out, at + 16, ">I", big32)  # sample count
    if data[:4] == b"\x1a\x45\xdf\xa3":  # Matroska: PixelWidth/PixelHeight elements
        for element in (b"\xb0\x81", b"\xba\x81", b"\xb0\x82", b"\xba\x82"):
            if (i := data.find(element)) != -1:
                out[i + 2] = 0xFF
    return bytes(out) if out != bytearray(data) else header(data, rng, _other)


def rates(data: bytes, rng: np.random.Generator, _other: bytes) -> bytes:
    out = bytearray(data)
    value = int(rng.choice(HUGE_U32))
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE" and (i := data.find(b"fmt ")) != -1:
        field = int(rng.choice([2, 4, 8, 12, 14]))  # channels, sample rate, byte rate, block align, bits/sample
        fmt = "<H" if field in (2, 12, 14) else "<I"
        _set(out, i + 8 + field, fmt, value & (0xFFFF if fmt == "<H" else 0xFFFFFFFF))
        return bytes(out)
    if data.startswith(b"fLaC"):
        _set(out, 8 + 10, ">I", value)  # sample rate / channels / bits, packed
        return bytes(out)
    for at in _boxes(data, (b"mvhd", b"mdhd")):
        _set(out, at + 8 + 12, ">I", value)  # time scale (version 0)
        _set(out, at + 8 + 16, ">I", int(rng.choice(HUGE_U32)))  # duration
    for at in _boxes(data, (b"stts",)):
        _set(out, at + 16 + 4, ">I", value)  # first sample delta
    if data[:3] == b"GIF":
        for i in range(len(out) - 8):
            if out[i] == 0x21 and out[i + 1] == 0xF9:
                _set(out, i + 4, "<H", int(rng.choice(HUGE_U16)))  # frame delay
    return bytes(out) if out != bytearray(data) else byte_flip(data, rng, _other)


def metadata(data: bytes, rng: np.random.Generator, _other: bytes) -> bytes:
    size = int(rng.choice([60_000, 1_000_000, 8_000_000]))
    blob = rng.integers(32, 127, size=size, dtype=np.uint8).tobytes()
    if data.startswith(b"\xff\xd8"):
        segments = b"".join(b"\xff\xfe" + struct.pack(">H", 65535) + blob[i:i + 65533]
                            for i in range(0, size, 65533))  # many COM segments
        return data[:2] + b"\xff\xe1" + struct.pack(">H", 65535) + b"Exif\x00\x00" + blob[:65527] + segments + data[2:]
    if (chunks := _png_chunks(data)) is not None:
        return _png([chunks[0], (b"tEXt", b"parameters\x00" + blob), (b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00"
                                                                     + blob), *chunks[1:]])
    if data[4:8] == b"ftyp":
        return data + struct.pack(">I", 8 + size) + b"udta" + blob
    if data[:4] == b"RIFF":
        return data[:12] + b"LIST" + struct.pack("<I", size) + blob + data[12:]
    return data + blob


POLYGLOT_HEADS = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP",
                  b"\x00\x00\x00\x18ftypmp42", b"<html><body>", b"PK\x03\x04", b"%PDF-1.7\n", b"ID3\x04\x00\x00")


def polyglot(data: bytes, rng: np.random.Generator, other: bytes) -> bytes:
    choice = int(rng.integers(0, 3))
    if choice == 0:
        return bytes(POLYGLOT_HEADS[int(rng.integers(0, len(POLYGLOT_HEADS)))]) + data
    if choice == 1:
        return data + other
    cut = int(rng.integers(16, max(17, min(len(data), 4096))))
    return data[:cut] + other[cut:]


MUTATIONS: dict[str, Mutation] = {
    "byte_flip": byte_flip, "truncate": truncate, "header": header, "dimensions": dimensions, "rates": rates,
    "metadata": metadata, "polyglot": polyglot,
}
