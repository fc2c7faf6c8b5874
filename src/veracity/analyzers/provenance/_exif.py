"""Read the metadata Veracity uses without exiftool: Pillow for images, the probe's PyAV tags for video and audio.

Covers EXIF (IFD0 + Exif IFD), XMP (parsed by namespace URI, so any prefix works), IPTC IIM (JPEG APP13), PNG
text chunks, JPEG/GIF comments and QuickTime/MP4/Matroska/RIFF container tags. Where it fails: maker notes, GPS and
vendor-specific boxes are not read (exiftool reads far more; only the fields in ``_fields`` are compared).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from veracity.analyzers.provenance._fields import put, text_key
from veracity.evidence import MediaInfo
from veracity.media.image import open_image

_IFD0 = {0x010F: "Make", 0x0110: "Model", 0x0131: "Software", 0x0132: "ModifyDate", 0x013B: "Artist",
         0x8298: "Copyright", 0x010E: "ImageDescription", 0x013C: "HostComputer", 0x9286: "UserComment"}
_EXIF_IFD = {0x9003: "DateTimeOriginal", 0x9004: "CreateDate", 0xA434: "LensModel", 0x829A: "ExposureTime",
             0x829D: "FNumber", 0x8827: "ISO", 0x920A: "FocalLength", 0x9286: "UserComment"}
_IPTC = {(2, 65): "IPTC:OriginatingProgram", (2, 110): "IPTC:Credit", (2, 115): "IPTC:Source",
         (2, 40): "IPTC:SpecialInstructions"}
_XMP = {
    ("http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "DigitalSourceType"): "XMP:DigitalSourceType",
    ("http://ns.adobe.com/xap/1.0/", "CreatorTool"): "XMP:CreatorTool",
    ("http://ns.adobe.com/xap/1.0/", "CreateDate"): "XMP:CreateDate",
    ("http://ns.adobe.com/xap/1.0/", "ModifyDate"): "XMP:ModifyDate",
    ("http://ns.adobe.com/photoshop/1.0/", "Credit"): "XMP:Credit",
    ("http://ns.adobe.com/xap/1.0/sType/ResourceEvent#", "softwareAgent"): "XMP:HistorySoftwareAgent",
    ("http://purl.org/dc/elements/1.1/", "description"): "XMP:Description",
}
_RDF_LI = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li"
_MAX_XMP_BYTES = 4 << 20
_SKIPPED_TEXT = ("xml:com.adobe.xmp", "raw profile type")


def read_image_fields(path: Path) -> dict[str, str]:
    """Canonical fields of a still image (see ``_fields``)."""
    fields: dict[str, str] = {}
    with open_image(path) as image:
        exif = image.getexif()
        for tag, name in _IFD0.items():  # UserComment belongs in the Exif IFD; DALL-E 2 wrote it in IFD0
            value = exif.get(tag)
            put(fields, name, _user_comment(value, exif.endian) if tag == 0x9286 else value)
        sub = exif.get_ifd(0x8769)
        for tag, name in _EXIF_IFD.items():
            value = sub.get(tag)
            put(fields, name, _user_comment(value, exif.endian) if tag == 0x9286 else value)
        texts = getattr(image, "text", None) or {}
        for keyword, value in texts.items():
            key = text_key(keyword)
            if key and not keyword.lower().startswith(_SKIPPED_TEXT):
                put(fields, key, value)
        comment = image.info.get("comment")
        if comment:
            put(fields, "Comment", comment)
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        if xmp:
            fields.update({k: v for k, v in parse_xmp(xmp).items() if k not in fields})
        if image.format in ("JPEG", "TIFF"):
            _read_iptc(image, fields)
    return fields


def _user_comment(value: object, endian: str | None) -> object:
    """EXIF UserComment starts with an 8-byte character-code header (ASCII, UNICODE, JIS or undefined)."""
    if not isinstance(value, bytes):
        return value
    head, body = value[:8], value[8:]
    if head.startswith(b"UNICODE"):
        return body.decode("utf-16-be" if endian == ">" else "utf-16-le", "replace")
    if head.startswith((b"ASCII", b"\x00\x00\x00\x00\x00\x00\x00\x00", b"JIS")):
        return body
    return value


def _read_iptc(image: Any, fields: dict[str, str]) -> None:
    from PIL import IptcImagePlugin

    try:
        records = IptcImagePlugin.getiptcinfo(image) or {}
    except (SyntaxError, ValueError, OSError, IndexError):
        return
    for key, name in _IPTC.items():
        value = records.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        put(fields, name, value)


def parse_xmp(packet: str | bytes) -> dict[str, str]:
    """The XMP fields Veracity uses, from attribute or element form, keyed by namespace URI (not prefix)."""
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "replace")
    packet = packet[:_MAX_XMP_BYTES]
    start, end = packet.find(b"<x:xmpmeta"), packet.rfind(b"</x:xmpmeta>")
    if start < 0:
        start, end = packet.find(b"<rdf:RDF"), packet.rfind(b"</rdf:RDF>")
        closing = len(b"</rdf:RDF>")
    else:
        closing = len(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        return {}
    try:
        root = ET.fromstring(packet[start:end + closing])
    except ET.ParseError:
        return {}
    found: dict[str, list[str]] = {}
    for element in root.iter():
        for attribute, value in element.attrib.items():
            name = _XMP.get(_split(attribute))
            if name:
                found.setdefault(name, []).append(value)
        name = _XMP.get(_split(element.tag))
        if name:
            items = [li.text or "" for li in element.iter(_RDF_LI)] or [element.text or ""]
            found.setdefault(name, []).extend(t for t in items if t.strip())
    fields: dict[str, str] = {}
    for name, values in found.items():
        put(fields, name, values if name == "XMP:HistorySoftwareAgent" else values[0])
    return fields


def _split(qualified: str) -> tuple[str, str]:
    if qualified.startswith("{"):
        uri, _, local = qualified[1:].partition("}")
        return uri, local
    return "", qualified


def av_fields(media: MediaInfo) -> dict[str, str]:
    """Canonical container fields from the probe's PyAV tags (format-level and per stream)."""
    tags = {k.lower(): v for k, v in media.tags.items()}
    fields: dict[str, str] = {}
    put(fields, "Encoder", tags.get("encoder") or tags.get("encoded_by"))
    put(fields, "MajorBrand", tags.get("major_brand"))
    put(fields, "CreateDate", tags.get("creation_time"))
    put(fields, "CreationDate", tags.get("com.apple.quicktime.creationdate"))
    put(fields, "Make", tags.get("com.apple.quicktime.make"))
    put(fields, "Model", tags.get("com.apple.quicktime.model"))
    put(fields, "Software", tags.get("com.apple.quicktime.software"))
    put(fields, "AndroidVersion", tags.get("com.android.version"))
    put(fields, "Title", tags.get("title"))
    put(fields, "Comment", tags.get("comment"))
    handlers = sorted({_pascal(s.tags.get("handler_name", "")) for s in media.streams} - {""})
    put(fields, "HandlerNames", handlers)
    xmp = _find_xmp_packet(Path(media.path))
    if xmp:
        fields.update({k: v for k, v in parse_xmp(xmp).items() if k not in fields})
    return fields


def _pascal(name: str) -> str:
    """FFmpeg keeps the length byte of QuickTime-style Pascal strings ("#Mainconcept ..." for 35 characters)."""
    name = name.strip()
    return name[1:] if len(name) > 1 and ord(name[0]) == len(name) - 1 else name


def _find_xmp_packet(path: Path, window_bytes: int = 8 << 20) -> bytes | None:
    """The XMP packet of a video or audio container, looked for in its first and last ``window_bytes``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(window_bytes)
            handle.seek(0, 2)
            size = handle.tell()
            tail = b""
            if size > window_bytes:
                handle.seek(max(window_bytes, size - window_bytes))
                tail = handle.read(window_bytes)
    except OSError:
        return None
    for block in (head, tail):
        start = block.find(b"<x:xmpmeta")
        end = block.find(b"</x:xmpmeta>", start)
        if start >= 0 and end > start:
            return block[start:end + len(b"</x:xmpmeta>")]
    return None
