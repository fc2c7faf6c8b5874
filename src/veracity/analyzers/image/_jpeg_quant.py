"""What a JPEG's quantization tables say: the IJG (libjpeg) quality it was saved at, or which software made it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

# ITU-T T.81 Annex K tables, natural (row-major) order, as libjpeg scales them with its quality setting.
_LUMA_BASE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
])
_CHROMA_BASE = np.full(64, 99)
_CHROMA_BASE[[0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 24, 25]] = [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 47, 66]


def standard_tables(quality: int) -> tuple[np.ndarray, np.ndarray]:
    """libjpeg's ``jpeg_set_quality`` tables (baseline, clamped to 1..255) for a quality of 1..100."""
    quality = int(np.clip(quality, 1, 100))
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(np.clip((base * scale + 50) // 100, 1, 255) for base in (_LUMA_BASE, _CHROMA_BASE))  # type: ignore[return-value]


@dataclass(frozen=True)
class QuantEstimate:
    quality: int  # closest IJG quality (1..100)
    standard: bool  # the tables are exactly libjpeg's at that quality
    mean_abs_deviation: float  # from libjpeg's tables at ``quality``, in quantizer steps
    family: str  # "standard libjpeg (IJG)", "editing software", "camera" or "custom (unknown)"
    software: str | None  # a known encoder whose tables these are, when recognised
    setting: str | None
    luma_sum: int
    chroma_sum: int | None


@cache
def _known_tables() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "data" / "jpeg_tables.json").read_text())  # type: ignore[no-any-return]


def estimate_quality(tables: dict[int, list[int]] | list[list[int]]) -> QuantEstimate:
    """Estimate the JPEG quality and the encoder family from the file's quantization tables (Pillow's
    ``image.quantization``, natural order).

    Exact libjpeg tables identify Pillow, OpenCV, GIMP, ImageMagick, browsers and most web software and give the
    quality directly; other tables are matched by their luminance/chrominance sums against known encoders
    (Adobe Photoshop's 0–12 and Save-for-Web levels, some cameras; from GIMP's ``jpegqual.c``), otherwise the
    closest IJG quality is given as an approximation. Many cameras and phones build tables per image, so an
    unrecognised table is common and means nothing by itself.
    """
    listed = list(tables.values()) if isinstance(tables, dict) else list(tables)
    luma = np.asarray(listed[0], dtype=np.int64)
    chroma = np.asarray(listed[1], dtype=np.int64) if len(listed) > 1 else None
    best_quality, best_error = 50, float("inf")
    for quality in range(1, 101):
        std_luma, std_chroma = standard_tables(quality)
        error = float(np.abs(luma - std_luma).mean())
        if chroma is not None:
            error = (error + float(np.abs(chroma - std_chroma).mean())) / 2
        if error < best_error:
            best_quality, best_error = quality, error
    luma_sum = int(luma.sum())
    chroma_sum = int(chroma.sum()) if chroma is not None else None
    if best_error == 0.0:
        return QuantEstimate(best_quality, True, 0.0, "standard libjpeg (IJG)", None, None, luma_sum, chroma_sum)
    known = _known_tables()
    for entry in known["tables"]:
        if entry["luma_sum"] == luma_sum and entry["chroma_sum"] == chroma_sum:
            software = str(entry["software"])
            family = next((f for prefix, f in known["family_of"].items() if software.startswith(prefix)),
                          "editing software")
            return QuantEstimate(best_quality, False, round(best_error, 3), family, software,
                                 str(entry["setting"]) or None, luma_sum, chroma_sum)
    return QuantEstimate(best_quality, False, round(best_error, 3), "custom (unknown)", None, None,
                         luma_sum, chroma_sum)


def table_picture(table: list[int] | np.ndarray, cell_px: int = 36) -> np.ndarray:
    """An 8×8 grid of the divisors, coloured by size with the value written in each cell (RGB uint8)."""
    from PIL import Image, ImageDraw

    from veracity.pictures import colorize

    values = np.asarray(table, dtype=np.float64).reshape(8, 8)
    colours = colorize(values / max(float(values.max()), 1.0))
    image = Image.fromarray(np.kron(colours, np.ones((cell_px, cell_px, 1), dtype=np.uint8)))
    draw = ImageDraw.Draw(image)
    for row in range(8):
        for col in range(8):
            position = (col * cell_px + 4, row * cell_px + cell_px // 3)
            draw.text(position, str(int(values[row, col])), fill=(255, 255, 255))
    return np.asarray(image)
