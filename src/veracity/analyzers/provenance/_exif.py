"""Read the metadata Veracity uses from a still image with Pillow alone (no exiftool needed)."""

from __future__ import annotations

from pathlib import Path

from veracity.media.image import open_image

_EXIF_NAMES = {
    0x010F: "Make", 0x0110: "Model", 0x0131: "Software", 0x0132: "ModifyDate", 0x013B: "Artist",
    0x8298: "Copyright", 0x9003: "DateTimeOriginal", 0x9004: "CreateDate", 0xA434: "LensModel",
    0x829A: "ExposureTime", 0x829D: "FNumber", 0x8827: "ISO", 0x920A: "FocalLength", 0x010E: "ImageDescription",
    0x9286: "UserComment",
}
_EXIF_IFD = 0x8769


def read_image_metadata(path: Path) -> dict[str, str]:
    """EXIF fields by their exiftool names, plus PNG/WebP text chunks and JPEG comments, as strings."""
    fields: dict[str, str] = {}
    with open_image(path) as image:
        exif = image.getexif()
        merged = dict(exif.items())
        merged.update(exif.get_ifd(_EXIF_IFD).items())
        for tag, value in merged.items():
            name = _EXIF_NAMES.get(tag)
            if name is None:
                continue
            text = _as_text(value)
            if text:
                fields[name] = text
        for key, value in (image.info or {}).items():
            if key in ("exif", "icc_profile", "xmp", "dpi", "duration", "loop", "background", "transparency"):
                continue
            if isinstance(value, (str, bytes)):
                text = _as_text(value)
                if text:
                    fields[f"Text:{key}"] = text
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        if xmp:
            fields["XMP"] = _as_text(xmp)[:20000]
    return fields


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return f"{value[0] / value[1]:g}" if value[1] else ""
    return str(value).strip("\x00 ").strip()
