"""Read the metadata Veracity uses with Phil Harvey's exiftool (``exiftool -j -G1 -n``), when it is installed.

exiftool reads far more formats and vendor tags than Pillow/PyAV; this module maps its group-qualified tag names onto
the same canonical fields as ``_exif`` (a test runs both on the same files and compares them). Where it fails: a
missing or broken exiftool gives None, and the caller falls back to the pure-Python reader.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from veracity.analyzers.provenance._fields import EXIF_DATES, EXIF_NUMBERS, EXIF_TEXT, put, text_key

_TIMEOUT_S = 60.0
_EXIF_GROUPS = ("IFD0", "ExifIFD")
_BY_TAG = {
    "XMP-iptcExt:DigitalSourceType": "XMP:DigitalSourceType",
    "XMP-xmp:CreatorTool": "XMP:CreatorTool",
    "XMP-xmp:CreateDate": "XMP:CreateDate",
    "XMP-xmp:ModifyDate": "XMP:ModifyDate",
    "XMP-photoshop:Credit": "XMP:Credit",
    "XMP-xmpMM:HistorySoftwareAgent": "XMP:HistorySoftwareAgent",
    "XMP-dc:Description": "XMP:Description",
    "IPTC:OriginatingProgram": "IPTC:OriginatingProgram",
    "IPTC:Credit": "IPTC:Credit",
    "IPTC:Source": "IPTC:Source",
    "IPTC:SpecialInstructions": "IPTC:SpecialInstructions",
    "File:Comment": "Comment",
    "GIF:Comment": "Comment",
}
_AV_BY_TAG = {
    "Encoder": ("Keys:Encoder", "ItemList:Encoder", "UserData:Encoder", "RIFF:Software", "Matroska:WritingApp",
                "ID3v2_3:EncoderSettings", "ID3v2_4:EncoderSettings"),
    "MajorBrand": ("QuickTime:MajorBrand",),
    "CreateDate": ("QuickTime:CreateDate",),
    "CreationDate": ("Keys:CreationDate",),
    "Make": ("Keys:Make",),
    "Model": ("Keys:Model",),
    "Software": ("Keys:Software",),
    "AndroidVersion": ("Keys:AndroidVersion",),
    "Title": ("ItemList:Title", "Keys:Title", "RIFF:Title", "Matroska:Title"),
    "Comment": ("ItemList:Comment", "Keys:Comment", "RIFF:Comment"),
}
_TRACK = re.compile(r"^Track\d+:HandlerDescription$")


def exiftool_available() -> bool:
    return shutil.which("exiftool") is not None


def run_exiftool(path: Path) -> dict[str, Any] | None:
    """exiftool's raw JSON record for ``path`` (group-qualified, numeric values), or None when it cannot run."""
    binary = shutil.which("exiftool")
    if binary is None:
        return None
    command = [binary, "-j", "-G1", "-n", "-a", "-charset", "filename=utf8", "-api", "largefilesupport=1",
               str(path.resolve())]
    try:
        done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT_S, check=False)
        records = json.loads(done.stdout.decode("utf-8", "replace") or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return records[0] if records and isinstance(records[0], dict) else None


def exiftool_version(record: dict[str, Any]) -> str:
    return str(record.get("ExifTool:ExifToolVersion", "")).strip()


def canonical_fields(record: dict[str, Any], *, still_image: bool) -> dict[str, str]:
    """Map an exiftool record onto the canonical fields of ``_fields``."""
    fields: dict[str, str] = {}
    if still_image:
        for name in EXIF_TEXT + EXIF_NUMBERS + EXIF_DATES:
            for group in _EXIF_GROUPS:
                put(fields, name, record.get(f"{group}:{name}"))
        for tag, value in record.items():
            group, _, name = tag.partition(":")
            if group == "PNG" and (key := text_key(name)):
                put(fields, key, value)
    for tag, name in _BY_TAG.items():
        put(fields, name, record.get(tag))
    if not still_image:
        for name, tags in _AV_BY_TAG.items():
            for tag in tags:
                put(fields, name, record.get(tag))
        handlers = sorted({str(v).strip() for k, v in record.items() if _TRACK.match(k) and str(v).strip()})
        put(fields, "HandlerNames", handlers)
    return fields
