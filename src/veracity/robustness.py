"""Robustness self-check: would the verdict survive the damage a social platform does to a re-uploaded copy?

``veracity check --robustness`` makes damaged copies of the file — each kind of damage alone, then all together —
analyses each with the same analyzers, and reports whether the verdict holds, how far ``p_synthetic`` moved and
which weighed findings disappeared or appeared. A verdict that flips under ordinary platform damage deserves
less trust on a copy found online (and says the original's evidence leans on fragile traces such as metadata).

Copies (written to a temporary folder, deleted afterwards):

- images: ``recompressed`` JPEG quality 75 at full size (EXIF/ICC/XMP carried over where Pillow can);
  ``downscaled`` to half width and height, saved losslessly (PNG, EXIF kept); ``metadata_stripped``: the same
  compressed data without EXIF, XMP, IPTC, ICC, comments or C2PA (JPEG segments / PNG chunks dropped, no
  re-encode); ``combined``: half size, JPEG quality 75, no metadata;
- video: ``recompressed`` H.264 CRF 28 at full size; ``downscaled`` to half size at CRF 18 (close to
  lossless); ``metadata_stripped``: streams copied into a new container without metadata; ``combined``: half size,
  CRF 28. Re-encoded copies carry no metadata either (as on platforms);
- audio: ``recompressed`` mono MP3 at 64 kb/s, no metadata.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.evidence import Direction, MediaInfo, MediaKind, Report, RobustnessCheck, RobustnessVariant

JPEG_QUALITY = 75
VIDEO_CRF = 28
VIDEO_CRF_NEAR_LOSSLESS = 18
SCALE = 0.5


@dataclass(frozen=True)
class Damage:
    name: str
    description: str
    suffix: str
    make: Callable[[MediaInfo, Path], None]


def damages(media: MediaInfo) -> list[Damage]:
    """The damaged copies made for this kind of media, in the order they are reported."""
    if media.kind is MediaKind.IMAGE:
        return [
            Damage("recompressed", f"JPEG quality {JPEG_QUALITY}, full size", ".jpg", _image_recompressed),
            Damage("downscaled", "half width and height, saved losslessly", ".png", _image_downscaled),
            Damage("metadata_stripped", "EXIF, XMP, IPTC, ICC, C2PA and comments removed, pixels untouched",
                   _strip_suffix(media), _image_stripped),
            Damage("combined", f"half size, JPEG quality {JPEG_QUALITY}, no metadata", ".jpg", _image_combined),
        ]
    if media.kind is MediaKind.VIDEO:
        return [
            Damage("recompressed", f"H.264 CRF {VIDEO_CRF}, full size", ".mp4", _video(VIDEO_CRF, 1.0)),
            Damage("downscaled", f"half width and height, H.264 CRF {VIDEO_CRF_NEAR_LOSSLESS} (near lossless)",
                   ".mp4", _video(VIDEO_CRF_NEAR_LOSSLESS, SCALE)),
            Damage("metadata_stripped", "streams copied into a new container without metadata",
                   _remux_suffix(media), _video_stripped),
            Damage("combined", f"half size, H.264 CRF {VIDEO_CRF}, no metadata", ".mp4", _video(VIDEO_CRF, SCALE)),
        ]
    return [Damage("recompressed", "mono MP3 64 kb/s, no metadata", ".mp3", _audio_recompressed)]


def check_robustness(scanner: Any, original: Report) -> RobustnessCheck:
    """Analyse damaged copies of ``original``'s file with ``scanner`` (a ``veracity.scanner.Scanner``)."""
    variants = []
    with tempfile.TemporaryDirectory(prefix="veracity-robustness-") as tmp:
        for damage in damages(original.media):
            copy = Path(tmp) / f"{damage.name}{damage.suffix}"
            try:
                damage.make(original.media, copy)
                report = scanner.check(copy, robustness=False)
            except Exception as exc:  # noqa: BLE001 - a copy that can't be made must not lose the original's report
                variants.append(RobustnessVariant(name=damage.name, description=damage.description,
                                                  error=f"{type(exc).__name__}: {exc}"))
                continue
            variants.append(compare(damage, original, report))
    return summarise(original, variants)


def _weighed(report: Report) -> set[str]:
    return {f.code for f in report.findings if f.direction is not Direction.NEUTRAL and (f.strength > 0 or f.decisive)}


def compare(damage: Damage, original: Report, copy: Report) -> RobustnessVariant:
    before, after = _weighed(original), _weighed(copy)
    return RobustnessVariant(
        name=damage.name,
        description=damage.description,
        label=copy.verdict.label,
        p_synthetic=copy.verdict.p_synthetic,
        p_shift=round(copy.verdict.p_synthetic - original.verdict.p_synthetic, 4),
        verdict_holds=copy.verdict.label is original.verdict.label,
        lost_findings=tuple(sorted(before - after)),
        new_findings=tuple(sorted(after - before)),
    )


def summarise(original: Report, variants: list[RobustnessVariant]) -> RobustnessCheck:
    judged = [v for v in variants if v.error is None]
    flipped = [v for v in judged if not v.verdict_holds]
    shift = max((abs(v.p_shift or 0.0) for v in judged), default=0.0)
    label = original.verdict.label.value.replace("_", "-")
    if not judged:
        summary = "No damaged copy could be made or analysed, so robustness is unknown."
    elif not flipped:
        copies = "the damaged copy" if len(judged) == 1 else f"all {len(judged)} damaged copies"
        summary = f"The verdict ({label}) held on {copies}; p_synthetic moved by at most {shift:.2f}."
    else:
        changes = ", ".join(f"{v.name}: {v.label.value.replace('_', '-') if v.label else '?'}" for v in flipped)
        summary = (f"The verdict ({label}) changed on {len(flipped)} of {len(judged)} damaged copies ({changes}); "
                   "trust it less on re-uploaded copies.")
    return RobustnessCheck(verdict_stable=bool(judged) and not flipped, max_abs_shift=round(shift, 4),
                           summary=summary, variants=tuple(variants))


# --- images -------------------------------------------------------------------------------------------------------

def _open_rgb(media: MediaInfo) -> tuple[Any, dict[str, Any]]:
    from veracity.media.damage import upright_rgb

    return upright_rgb(media.path)


def _half(image: Any) -> Any:
    from veracity.media.damage import scaled

    return scaled(image, SCALE)


def _image_recompressed(media: MediaInfo, dst: Path) -> None:
    image, keep = _open_rgb(media)
    image.save(dst, format="JPEG", quality=JPEG_QUALITY, **keep)


def _image_downscaled(media: MediaInfo, dst: Path) -> None:
    image, keep = _open_rgb(media)
    _half(image).save(dst, format="PNG", **{k: v for k, v in keep.items() if k in ("exif", "icc_profile")})


def _image_combined(media: MediaInfo, dst: Path) -> None:
    image, _keep = _open_rgb(media)
    _half(image).save(dst, format="JPEG", quality=JPEG_QUALITY)


def _strip_suffix(media: MediaInfo) -> str:
    return {"jpeg": ".jpg", "png": ".png"}.get(media.container, ".png")


def _image_stripped(media: MediaInfo, dst: Path) -> None:
    from veracity.media.damage import strip_jpeg, strip_png

    data = Path(media.path).read_bytes()
    if media.container == "jpeg":
        dst.write_bytes(strip_jpeg(data))
    elif media.container == "png":
        dst.write_bytes(strip_png(data))
    else:
        image, _keep = _open_rgb(media)
        image.save(dst, format="PNG")


# --- video and audio ----------------------------------------------------------------------------------------------

def _video(crf: int, scale: float) -> Callable[[MediaInfo, Path], None]:
    def make(media: MediaInfo, dst: Path) -> None:
        from veracity.media.damage import launder_video

        long_side = max(media.width or 0, media.height or 0)
        launder_video(media, dst, crf=crf, max_side_px=max(2, round(long_side * scale)))

    return make


def _remux_suffix(media: MediaInfo) -> str:
    return {"mov": ".mov", "matroska": ".mkv", "webm": ".webm", "gif": ".gif", "webp": ".webp"}.get(
        media.container, ".mp4")


def _video_stripped(media: MediaInfo, dst: Path) -> None:
    """Copy the streams into a new container with no metadata (no re-encoding)."""
    if media.container in ("gif", "webp"):
        _animated_stripped(media, dst)
        return
    import av

    from veracity.media._av import open_av

    with open_av(media.path, media.container) as source, av.open(str(dst), mode="w") as out:
        out.metadata.clear()
        mapping = {}
        for stream in source.streams:
            if stream.type in ("video", "audio"):
                copied = out.add_stream_from_template(stream)
                copied.metadata.clear()
                mapping[stream.index] = copied
        for packet in source.demux(*[s for s in source.streams if s.index in mapping]):
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            out.mux(packet)


def _animated_stripped(media: MediaInfo, dst: Path) -> None:
    """GIF / WebP: re-saved by Pillow with every frame and its duration, without comments or XMP."""
    from veracity.media.image import open_image, seek_frame

    with open_image(Path(media.path)) as image:
        frames, durations = [], []
        for index in range(getattr(image, "n_frames", 1)):
            seek_frame(image, index, what=media.path)
            frames.append(image.convert("RGBA"))
            durations.append(image.info.get("duration", 100))
    options: dict[str, Any] = {"lossless": True} if media.container == "webp" else {}
    frames[0].save(dst, save_all=True, append_images=frames[1:], duration=durations, loop=0, **options)


def _audio_recompressed(media: MediaInfo, dst: Path) -> None:
    from veracity.media.damage import launder_audio

    launder_audio(Path(media.path), dst)
