"""Per-face timeline picture: suspicion over time for each signal, with face thumbnails at the peaks (Pillow only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.analyzers.face._outcome import SignalOutcome

WIDTH, LABEL_W, ROW_H, THUMB = 960, 150, 44, 96
_BG, _GRID, _TEXT = (250, 250, 250), (215, 215, 215), (40, 40, 40)


def _colour(level: float) -> tuple[int, int, int]:
    from veracity.pictures import colorize

    r, g, b = colorize(np.array([level]))[0]
    return int(r), int(g), int(b)


def draw_timeline(track: Any, duration_s: float, outcomes: dict[str, tuple[str, SignalOutcome]], *,
                  note: str = "") -> np.ndarray:
    """One picture for one face track; ``outcomes`` maps signal name → (label, outcome); ``note`` joins the title
    (e.g. how much of the clip the face checks covered)."""
    from PIL import Image, ImageDraw

    rows = list(outcomes.items())
    peaks: list[tuple[str, float, float]] = []  # (label, time_s, level)
    for _name, (label, outcome) in rows:
        curve = next((c for c in outcome.curves if c.track_id == track.track_id), None)
        if curve is not None and len(curve.times_s):
            time_s, _frame, level = curve.peak()
            peaks.append((label, time_s, level))
    peaks.sort(key=lambda p: -p[2])
    thumbs = [p for p in peaks if p[2] >= 0.5][:6] or peaks[:1]
    top = 28 + (THUMB + 18 if thumbs else 0)
    height = top + ROW_H * max(len(rows), 1) + 26
    image = Image.new("RGB", (WIDTH, height), _BG)
    draw = ImageDraw.Draw(image)
    span = max(duration_s, track.end_s, 1e-3)
    plot_w = WIDTH - LABEL_W - 12

    def x_of(time_s: float) -> float:
        return LABEL_W + plot_w * min(max(time_s / span, 0.0), 1.0)

    note = f"; {note}".replace("–", "-") if note else ""  # the bitmap font has no en dash
    draw.text((8, 8), f"Face {track.track_id}: {track.start_s:.1f}-{track.end_s:.1f} s, "
              f"{len(track.observations)} frames (red = suspicious){note}", fill=_TEXT)
    for i, (label, time_s, level) in enumerate(thumbs):
        crop = track.crop_near(time_s)
        if crop is None:
            continue
        x = LABEL_W + i * (THUMB + 10)
        image.paste(Image.fromarray(crop).resize((THUMB, THUMB)), (x, 26))
        draw.rectangle([x, 26, x + THUMB - 1, 26 + THUMB - 1], outline=_colour(level), width=3)
        draw.text((x, 26 + THUMB + 2), f"{label} @{time_s:.1f}s", fill=_TEXT)
    for row, (_name, (label, outcome)) in enumerate(rows):
        y0 = top + row * ROW_H
        y1 = y0 + ROW_H - 8
        draw.rectangle([LABEL_W, y0, LABEL_W + plot_w, y1], outline=_GRID, fill=(255, 255, 255))
        draw.line([LABEL_W, (y0 + y1) / 2, LABEL_W + plot_w, (y0 + y1) / 2], fill=_GRID)
        curve = next((c for c in outcome.curves if c.track_id == track.track_id), None)
        if not outcome.judged or curve is None:
            draw.text((8, y0 + 6), label, fill=_TEXT)
            reason = outcome.reason or "not judged for this face"
            draw.text((LABEL_W + 8, y0 + 10), f"can't judge: {reason}"[:130], fill=(120, 120, 120))
            continue
        draw.text((8, y0 + 6), f"{label}  {curve.score:.2f}", fill=_TEXT)
        for t, level in zip(curve.times_s, np.nan_to_num(curve.suspicion), strict=True):
            x_px = x_of(float(t))
            draw.line([x_px, y1, x_px, y1 - (y1 - y0) * float(level)], fill=_colour(float(level)), width=3)
    axis_y = top + ROW_H * max(len(rows), 1)
    for tick in np.linspace(0.0, span, 6):
        x_px = x_of(float(tick))
        draw.line([x_px, axis_y - 6, x_px, axis_y - 2], fill=_TEXT)
        draw.text((x_px - 10, axis_y), f"{tick:.1f}s", fill=_TEXT)
    return np.asarray(image)
