"""Test-only builders for metadata fixtures Pillow cannot write: EXIF with an IFD1 thumbnail, IPTC APP13."""

from __future__ import annotations

import io
import struct

import numpy as np

_ASCII, _SHORT, _LONG, _RATIONAL = 2, 3, 4, 5
XMP_TEMPLATE = (
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
    "<rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/' "
    "xmlns:Iptc4xmpExt='http://iptc.org/std/Iptc4xmpExt/2008-02-29/' "
    "xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/' "
    "xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:xmpMM='http://ns.adobe.com/xap/1.0/mm/' "
    "xmlns:stEvt='http://ns.adobe.com/xap/1.0/sType/ResourceEvent#' "
    "Iptc4xmpExt:DigitalSourceType='http://cv.iptc.org/newscodes/digitalsourcetype/{source}' "
    "xmp:CreatorTool='{tool}' xmp:CreateDate='2024-03-01T10:00:00' photoshop:Credit='Test credit'>"
    "<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>A test picture</rdf:li></rdf:Alt></dc:description>"
    "<xmpMM:History><rdf:Seq><rdf:li stEvt:action='created' stEvt:softwareAgent='Agent One'/>"
    "<rdf:li><rdf:Description stEvt:action='saved' stEvt:softwareAgent='Agent Two'/></rdf:li></rdf:Seq></xmpMM:History>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def xmp_packet(source: str = "trainedAlgorithmicMedia", tool: str = "Test Tool 1.0") -> bytes:
    return XMP_TEMPLATE.format(source=source, tool=tool).encode()


def pattern_rgb(seed: int, size_px: tuple[int, int] = (96, 128)) -> np.ndarray:
    """A smooth picture with structure (so a different seed gives a clearly different thumbnail)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size_px[0], 0:size_px[1]] / max(size_px)
    fx, fy, phase = rng.uniform(2, 6), rng.uniform(2, 6), rng.uniform(0, 6)
    base = 0.5 + 0.45 * np.sin(fx * 6 * x + phase) * np.cos(fy * 6 * y)
    return (np.stack([base, base[::-1], base[:, ::-1]], axis=2) * 255).astype(np.uint8)


def jpeg_of(rgb: np.ndarray, **save: object) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def _ifd(entries: list[tuple[int, int, bytes, int]], start: int, next_ifd: int) -> tuple[bytes, int]:
    """One little-endian IFD at ``start``: entries (tag, type, payload, count) then the out-of-line data."""
    table_size = 2 + 12 * len(entries) + 4
    data = b""
    table = struct.pack("<H", len(entries))
    for tag, kind, payload, count in sorted(entries):
        if len(payload) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + payload.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, start + table_size + len(data))
            data += payload + (b"\x00" if len(payload) % 2 else b"")
    table += struct.pack("<I", next_ifd)
    return table + data, start + table_size + len(data)


def _ascii(tag: int, text: str) -> tuple[int, int, bytes, int]:
    payload = text.encode() + b"\x00"
    return tag, _ASCII, payload, len(payload)


def _rational(tag: int, numerator: int, denominator: int) -> tuple[int, int, bytes, int]:
    return tag, _RATIONAL, struct.pack("<II", numerator, denominator), 1


def exif_with_thumbnail(
    thumbnail_jpeg: bytes | None, *, make: str = "Canon", model: str = "Canon EOS 5D Mark IV",
    modify_date: str = "2023:05:01 12:00:00", original_date: str = "2023:05:01 12:00:00",
) -> bytes:
    """``Exif\\0\\0`` + a TIFF block with IFD0 (make, model, modify date), an Exif IFD (date taken, exposure) and,
    when given, IFD1 holding a JPEG thumbnail."""
    exif_entries = [_ascii(0x9003, original_date), _rational(0x829A, 1, 160), _rational(0x829D, 40, 10),
                    (0x8827, _SHORT, struct.pack("<H", 200), 1), _rational(0x920A, 50, 1)]
    ifd0_base = [_ascii(0x010F, make), _ascii(0x0110, model), _ascii(0x0132, modify_date)]
    # Lay out: header(8) | IFD0 | Exif IFD | IFD1 | thumbnail. Sizes first, offsets second.
    probe0, _ = _ifd(ifd0_base + [(0x8769, _LONG, b"\x00" * 4, 1)], 8, 0)
    exif_start = 8 + len(probe0)
    exif_block, exif_end = _ifd(exif_entries, exif_start, 0)
    ifd1_start = exif_end if thumbnail_jpeg else 0
    ifd0, _ = _ifd(ifd0_base + [(0x8769, _LONG, struct.pack("<I", exif_start), 1)], 8, ifd1_start)
    body = b"II*\x00" + struct.pack("<I", 8) + ifd0 + exif_block
    if thumbnail_jpeg:
        probe1, _ = _ifd([(0x0103, _SHORT, struct.pack("<H", 6), 1), (0x0201, _LONG, b"\x00" * 4, 1),
                          (0x0202, _LONG, b"\x00" * 4, 1)], ifd1_start, 0)
        thumb_at = ifd1_start + len(probe1)
        ifd1, _ = _ifd([(0x0103, _SHORT, struct.pack("<H", 6), 1), (0x0201, _LONG, struct.pack("<I", thumb_at), 1),
                        (0x0202, _LONG, struct.pack("<I", len(thumbnail_jpeg)), 1)], ifd1_start, 0)
        body += ifd1 + thumbnail_jpeg
    return b"Exif\x00\x00" + body


def with_iptc(jpeg: bytes, records: dict[int, str]) -> bytes:
    """Insert an APP13 Photoshop IRB 0x0404 segment with IPTC IIM record-2 datasets right after SOI."""
    iim = b"".join(b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(v.encode())) + v.encode()
                   for dataset, v in records.items())
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(iim) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]
