"""Fingerprint a file for the near-duplicate index: PDQ views of the picture or of sampled video frames, and a
spectral-landmark print of the sound; plus the creation time the file declares about itself."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from veracity.config import Limits, SamplingPlan
from veracity.errors import MissingExtra
from veracity.evidence import MediaInfo, MediaKind
from veracity.index._landmarks import SAMPLE_RATE_HZ, Landmarks, landmarks
from veracity.index._pdq import HASH_BYTES, Views, picture_views, query_views

FINGERPRINT_VERSION = "1"
VIDEO_PLAN = SamplingPlan(fps_cap=2.0, max_frames=600, max_side_px=384)
# A query samples twice as densely, so one of its frames lands within 1/8 s of each indexed frame.
VIDEO_QUERY_PLAN = SamplingPlan(fps_cap=4.0, max_frames=1200, max_side_px=384)
MAX_AUDIO_S = 3600.0


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    kind: MediaKind
    duration_s: float | None
    frame_times_s: np.ndarray  # float64 [n]; [0.0] for a still image
    frames: tuple[tuple[Views, ...], ...]  # per frame: one Views when indexed; straight + mirror for a query
    audio: Landmarks | None
    media_time: str | None = None  # ISO 8601 UTC, from EXIF or container tags
    media_time_source: str | None = None

    @property
    def dense(self) -> bool:
        return self.kind is MediaKind.IMAGE

    def to_bytes(self) -> bytes:
        """Compact storage of an indexed fingerprint (first Views of each frame)."""
        views = [f[0] for f in self.frames]
        primary = [v.primary for v in views]
        arrays = {
            "times": np.asarray(self.frame_times_s, np.float64),
            "primary": np.concatenate(primary) if primary else np.zeros((0, HASH_BYTES), np.uint8),
            "primary_count": np.asarray([len(p) for p in primary], np.int32),
            "windows": np.stack([v.windows for v in views]) if views else np.zeros((0, 0, HASH_BYTES), np.uint8),
            "window_ok": np.stack([v.window_ok for v in views]) if views else np.zeros((0, 0), bool),
        }
        if self.audio is not None:
            arrays["audio_hashes"] = self.audio.hashes
            arrays["audio_frames"] = self.audio.anchor_frames
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes, *, sha256: str, kind: MediaKind, duration_s: float | None,
                   media_time: str | None = None, media_time_source: str | None = None) -> Fingerprint:
        with np.load(io.BytesIO(blob)) as data:
            counts = data["primary_count"]
            bounds = np.concatenate([[0], np.cumsum(counts)])
            primary, windows, ok = data["primary"], data["windows"], data["window_ok"]
            frames = tuple(
                (Views(primary[bounds[i]:bounds[i + 1]], windows[i], ok[i]),) for i in range(len(counts))
            )
            audio = Landmarks(data["audio_hashes"], data["audio_frames"]) if "audio_hashes" in data else None
            times = data["times"]
        return cls(sha256, kind, duration_s, times, frames, audio, media_time, media_time_source)


def fingerprint_file(path: str | Path, *, limits: Limits | None = None, query: bool = False,
                     media: MediaInfo | None = None) -> Fingerprint:
    """Fingerprint ``path``; ``query=True`` adds mirror-image views for searching. Raises ``VeracityError``."""
    import importlib.util

    from veracity.media.probe import probe

    if importlib.util.find_spec("pdqhash") is None:
        raise MissingExtra("the near-duplicate index needs pdqhash: pip install 'veracity[index]'")
    media = media or probe(path, limits)
    when, source = media_time(media)
    make = query_views if query else (lambda rgb, dense: [picture_views(rgb, dense=dense)])
    audio = None
    if media.kind is MediaKind.IMAGE:
        from veracity.media.image import load_rgb

        times = np.zeros(1)
        frames: tuple[tuple[Views, ...], ...] = (tuple(make(load_rgb(Path(media.path)), dense=True)),)
    else:
        frames, times = (), np.zeros(0)
        if media.kind is MediaKind.VIDEO:
            from veracity.media.video import iter_frames

            plan = VIDEO_QUERY_PLAN if query else VIDEO_PLAN
            sampled = [(f.time_s, tuple(make(f.rgb, dense=False))) for f in iter_frames(media, plan)]
            times = np.asarray([t for t, _ in sampled], np.float64)
            frames = tuple(v for _, v in sampled)
        if media.kind is MediaKind.AUDIO or media.has_audio:
            from veracity.media.audio import load_mono

            audio = landmarks(load_mono(media.path, SAMPLE_RATE_HZ, max_seconds=MAX_AUDIO_S))
    return Fingerprint(media.sha256, media.kind, media.duration_s, times, frames, audio, when, source)


_EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


def parse_time(text: str) -> str | None:
    """An ISO 8601 UTC string from EXIF ('2021:05:01 12:00:00') or ISO text; None when it cannot be read."""
    text = text.strip()
    match = _EXIF_TIME.match(text)
    if match:
        text = "{}-{}-{}T{}:{}:{}".format(*match.groups())
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.year < 1971:  # zeroed container dates
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def media_time(media: MediaInfo) -> tuple[str | None, str | None]:
    """The creation time the file declares (EXIF DateTimeOriginal/CreateDate, container creation_time)."""
    candidates: list[tuple[str, str]] = []
    if media.kind is MediaKind.IMAGE:
        candidates += _exif_times(Path(media.path))
    tags = [("container", media.tags)] + [(f"{s.type} stream", s.tags) for s in media.streams]
    for where, values in tags:
        for key in ("creation_time", "date", "com.apple.quicktime.creationdate"):
            if key in values:
                candidates.append((values[key], f"{where} {key}"))
    for text, source in candidates:
        parsed = parse_time(text)
        if parsed:
            return parsed, source
    return None, None


_EXIF_TIME_TAGS = ((0x9003, "EXIF DateTimeOriginal"), (0x9004, "EXIF CreateDate"), (0x0132, "EXIF ModifyDate"))


def _exif_times(path: Path) -> list[tuple[str, str]]:
    from veracity.errors import VeracityError
    from veracity.media.image import open_image

    try:
        with open_image(path) as image:
            exif = image.getexif()
            merged = dict(exif.items())
            merged.update(exif.get_ifd(0x8769).items())
    except (VeracityError, OSError, ValueError, SyntaxError):
        return []
    return [(str(merged[tag]), name) for tag, name in _EXIF_TIME_TAGS if tag in merged]
