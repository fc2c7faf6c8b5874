"""Consistency checks on metadata: dates that contradict each other or lie in the future, camera fields with
impossible values, a camera named without any capture data, and an EXIF thumbnail that shows a different picture.

These are the checks forensic examiners run by hand (e.g. Kee & Farid's thumbnail analysis, "Digital image
authentication from thumbnails", SPIE 2010; the EXIF consistency checks of FotoForensics and Forensically). Where
they fail: clocks are often wrong (reset batteries, time zones), software legitimately rewrites dates, and many
tools drop the thumbnail; so each check is weak on its own and says *inconsistent*, never *fake*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from veracity.analyzers.provenance._fields import DATE_FIELDS, parse_date

_PLAUSIBLE = {  # generous ranges for real cameras and phones
    "FNumber": (0.7, 128.0),
    "ExposureTime": (1e-6, 3600.0),
    "ISO": (1.0, 4_000_000.0),
    "FocalLength": (0.3, 5000.0),
}
_CAPTURE_FIELDS = ("DateTimeOriginal", "ExposureTime", "FNumber", "ISO", "FocalLength")
_DATE_SLACK = timedelta(hours=14)  # dates are compared without their time zones (UTC-12..+14)
_THUMB_SIDE_PX = 32


@dataclass(frozen=True)
class Inconsistency:
    code: str  # last part of the finding code
    message: str
    strength: float  # finding strength 0..1
    log_odds: float  # what it adds towards "synthetic or manipulated" in this analyzer's probability
    data: dict[str, str | float | None] = field(default_factory=dict)


def check_fields(fields: dict[str, str], *, now: datetime | None = None, video: bool = False) -> list[Inconsistency]:
    now = now or datetime.now()
    found: list[Inconsistency] = []
    dates = {k: d for k in DATE_FIELDS if k in fields and (d := parse_date(fields[k])) is not None}

    future = {k: v.isoformat() for k, v in dates.items() if v > now + timedelta(days=1)}
    if future:
        found.append(Inconsistency(
            "future_date", f"A date in the metadata lies in the future ({', '.join(future)}): the clock was wrong "
            "or the date was edited.", 0.3, 0.6, dict(future)))

    for created_key, modified_key in (("DateTimeOriginal", "ModifyDate"), ("CreateDate", "ModifyDate"),
                                      ("XMP:CreateDate", "XMP:ModifyDate")):
        created, modified = dates.get(created_key), dates.get(modified_key)
        if created and modified and modified + _DATE_SLACK < created:
            found.append(Inconsistency(
                "modified_before_created", f"The file says it was last modified ({modified.isoformat()}) before it "
                f"was created ({created.isoformat()}), which an untouched file never does: a sign the dates were "
                "edited.", 0.3, 0.5, {created_key: created.isoformat(), modified_key: modified.isoformat()}))
            break

    has_camera = "Make" in fields or "Model" in fields
    implausible = {}
    for name, (low, high) in _PLAUSIBLE.items():
        try:
            value = float(fields[name])
        except (KeyError, ValueError):
            continue
        if not low <= value <= high:
            implausible[name] = value
    if has_camera and implausible:
        found.append(Inconsistency(
            "implausible_camera_values", "Camera settings with values no camera produces ("
            + ", ".join(f"{k} {v:g}" for k, v in implausible.items()) + "): the camera data was written by hand or "
            "by software.", 0.4, 0.8, {k: float(v) for k, v in implausible.items()}))

    if has_camera and not video and not any(k in fields for k in _CAPTURE_FIELDS):
        found.append(Inconsistency(
            "camera_without_capture_data", f"The file names a camera ({fields.get('Make', '')} "
            f"{fields.get('Model', '')}".rstrip() + ") but carries none of the capture data every camera writes "
            "(date taken, exposure, aperture, ISO): the camera tags may have been added afterwards.", 0.25, 0.5,
            {"Make": fields.get("Make"), "Model": fields.get("Model")}))
    if video and has_camera and not any(k in fields for k in ("CreationDate", "CreateDate")):
        found.append(Inconsistency(
            "camera_without_capture_data", "The container names a camera but has no recording date, which phones "
            "and cameras always write: the camera tags may have been added afterwards.", 0.25, 0.5,
            {"Make": fields.get("Make"), "Model": fields.get("Model")}))
    return found


def thumbnail_mismatch(
    path: Path, *, max_correlation: float = 0.5, min_mean_diff: float = 0.12
) -> Inconsistency | None:
    """Compare the EXIF thumbnail with the picture at 32×32 (black letterbox bars trimmed): cameras write both
    together, editors often replace the picture but keep the old thumbnail."""
    from PIL import ExifTags

    from veracity.errors import VeracityError
    from veracity.media.image import DECODE_ERRORS, embedded_gray, open_image

    try:
        with open_image(path) as image:
            exif = image.getexif()
            ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
            offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
            raw = image.info.get("exif")
            if not (offset and length and raw):
                return None
            tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
            thumb_bytes = tiff[offset:offset + length]
            if len(thumb_bytes) != length or not thumb_bytes.startswith(b"\xff\xd8"):
                return None
            # The thumbnail's header may claim any size (20000x20000 in 43 KB): capped at ~1 MP and drafted.
            thumb_image = embedded_gray(thumb_bytes, 8 * _THUMB_SIDE_PX)
            if thumb_image is None:
                return None
            thumb = _small_gray(thumb_image)
            if image.format == "JPEG":
                image.draft("L", (8 * _THUMB_SIDE_PX, 8 * _THUMB_SIDE_PX))  # decode at reduced scale
            main = _small_gray(image)
    except VeracityError:
        return None
    except DECODE_ERRORS:
        return None
    mean_diff = float(np.mean(np.abs(main - thumb)))
    a, b = main - main.mean(), thumb - thumb.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    correlation = float((a * b).sum() / denominator) if denominator > 1e-9 else 1.0
    if correlation > max_correlation or mean_diff < min_mean_diff:
        return None
    return Inconsistency(
        "thumbnail_differs", "The small preview picture stored inside the file (EXIF thumbnail) shows something "
        "different from the picture itself: the picture was changed by software that kept the camera's old preview.",
        0.6, 1.2, {"correlation": round(correlation, 3), "mean_abs_diff": round(mean_diff, 3)})


def _small_gray(image: object) -> np.ndarray:
    from PIL import Image

    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0  # type: ignore[attr-defined]
    rows = np.where(gray.max(axis=1) > 0.06)[0]
    cols = np.where(gray.max(axis=0) > 0.06)[0]
    if rows.size and cols.size:
        gray = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    small = Image.fromarray((gray * 255).astype(np.uint8)).resize((_THUMB_SIDE_PX, _THUMB_SIDE_PX),
                                                                  Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0
