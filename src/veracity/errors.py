"""One exception family: every error Veracity raises on purpose is a ``VeracityError``."""

from __future__ import annotations


class VeracityError(Exception):
    """Base of all errors Veracity raises deliberately; ``str()`` is a one-line reason for a person."""


class InputNotFound(VeracityError):
    """The path does not exist or cannot be opened."""


class UnsupportedMedia(VeracityError):
    """The file is not an image, video or audio file Veracity can decode (or it is damaged)."""


class MediaTooLarge(VeracityError):
    """The file exceeds a configured limit (bytes, pixels or duration); checked before decoding."""


class MissingExtra(VeracityError):
    """An optional dependency is not installed; the message names the extra that brings it."""
