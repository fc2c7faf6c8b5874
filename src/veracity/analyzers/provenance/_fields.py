"""The metadata fields Veracity uses, by one canonical name whichever reader (Pillow/PyAV or exiftool) found them.

Names follow exiftool's tag names without their group (``Make``, ``DateTimeOriginal``), XMP fields get ``XMP:``,
IPTC IIM fields ``IPTC:``, PNG text chunks ``Text:<keyword>``. Values are strings: dates as ``YYYY-MM-DDTHH:MM:SS``
(time zone and sub-seconds dropped), numbers in ``%.6g``.
"""

from __future__ import annotations

import re
from datetime import datetime

EXIF_TEXT = ("Make", "Model", "Software", "Artist", "Copyright", "ImageDescription", "UserComment", "HostComputer",
             "LensModel")
EXIF_NUMBERS = ("ExposureTime", "FNumber", "ISO", "FocalLength")
EXIF_DATES = ("ModifyDate", "DateTimeOriginal", "CreateDate")
XMP_FIELDS = ("XMP:DigitalSourceType", "XMP:CreatorTool", "XMP:Credit", "XMP:HistorySoftwareAgent",
              "XMP:Description", "XMP:CreateDate", "XMP:ModifyDate")
IPTC_FIELDS = ("IPTC:OriginatingProgram", "IPTC:Credit", "IPTC:Source", "IPTC:SpecialInstructions")
AV_FIELDS = ("Encoder", "HandlerNames", "MajorBrand", "CreateDate", "CreationDate", "Make", "Model", "Software",
             "AndroidVersion", "Title", "Comment")
DATE_FIELDS = frozenset(EXIF_DATES + ("XMP:CreateDate", "XMP:ModifyDate", "CreationDate"))

# PNG text keywords that generators and editors write (compared without case or punctuation, as exiftool renames
# them: "invokeai_metadata" -> "Invokeai_metadata", "Generation time" -> "GenerationTime").
PNG_TEXT_KEYS = ("parameters", "prompt", "workflow", "invokeai_metadata", "invokeai_graph", "invokeai_workflow",
                 "sd-metadata", "dream", "fooocus_scheme", "generation_data", "software", "source", "comment",
                 "description", "title", "author", "generation time")
_TEXT_BY_SQUASHED = {re.sub(r"[^a-z0-9]", "", k): k for k in PNG_TEXT_KEYS}

MAX_VALUE_CHARS = 20_000
_DATE = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def text_key(keyword: str) -> str | None:
    """``Text:<keyword>`` for a known PNG text keyword, whatever its case or punctuation; None for others."""
    known = _TEXT_BY_SQUASHED.get(re.sub(r"[^a-z0-9]", "", keyword.lower()))
    return f"Text:{known}" if known else None


def clean_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return "; ".join(t for t in (clean_text(v) for v in value) if t)
    return str(value).replace("\x00", " ").strip()[:MAX_VALUE_CHARS]


def clean_number(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return clean_text(value)
    return f"{number:.6g}"


def clean_date(value: object) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` from EXIF (``2021:06:12 14:03:11``), XMP or ISO forms; empty for all-zero dates."""
    match = _DATE.match(clean_text(value))
    if not match:
        return ""
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if year == 0:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def parse_date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def normalise(name: str, value: object) -> str:
    if name in DATE_FIELDS:
        return clean_date(value)
    if name in EXIF_NUMBERS:
        return clean_number(value)
    return clean_text(value)


def put(fields: dict[str, str], name: str, value: object) -> None:
    """Store a normalised value; the first reader to set a field wins, empty values are dropped."""
    if name in fields or value is None:
        return
    text = normalise(name, value)
    if text:
        fields[name] = text
