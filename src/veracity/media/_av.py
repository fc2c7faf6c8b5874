"""Open a file with PyAV with the demuxer chosen by its content, never by its name.

Given a path, FFmpeg's ``image2`` demuxer claims any file whose name ends in ``.jpg`` or ``.png`` (a 1-byte file,
an HTML page) and calls it a one-frame video of no known size. So the demuxer is named explicitly from the sniffed
container; for a format Veracity does not sniff, FFmpeg probes the content through a reader that has no name.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from veracity.errors import UnsupportedMedia

# Veracity's container names (``_sniff``) -> FFmpeg demuxer names.
DEMUXERS = {
    "mp4": "mov", "mov": "mov", "m4a": "mov", "heif": "mov", "webm": "matroska", "mkv": "matroska",
    "flac": "flac", "ogg": "ogg", "mp3": "mp3", "aac": "aac", "wav": "wav", "avi": "avi", "flv": "flv",
    "asf": "asf", "mpegts": "mpegts", "aiff": "aiff",
}
# Demuxers that read single pictures: Pillow reads pictures, and these would decide by name or by a few bytes.
_PICTURE_DEMUXERS = ("image2", "_pipe")


class _Nameless(io.RawIOBase):
    """A read-only view of a file that gives FFmpeg no file name to guess from."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._handle.readinto(buffer)  # type: ignore[no-any-return]

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)  # type: ignore[no-any-return]

    def tell(self) -> int:
        return self._handle.tell()  # type: ignore[no-any-return]


def demuxer_for(path: Path, container: str | None) -> str:
    """The FFmpeg demuxer for ``path``: from the sniffed container, else from FFmpeg's content probe alone."""
    import av

    if container:
        return DEMUXERS.get(container, container)
    try:
        with path.open("rb") as handle, av.open(_Nameless(handle), metadata_errors="ignore") as probe:
            name = str(probe.format.name).split(",")[0]
    except av.error.FFmpegError as exc:
        raise UnsupportedMedia(
            f"{path}: not a readable image, video or audio file (an unrecognised format: {exc.strerror})"
        ) from exc
    if name.startswith(_PICTURE_DEMUXERS[0]) or name.endswith(_PICTURE_DEMUXERS[1]):
        raise UnsupportedMedia(f"{path}: not a readable image, video or audio file (an unrecognised format)")
    return name


def open_av(path: str | Path, container: str | None) -> Any:
    """``av.open`` for reading with the demuxer named (see ``demuxer_for``)."""
    import av

    path = Path(path)
    return av.open(str(path), format=demuxer_for(path, container), metadata_errors="ignore")
