"""What every voice analyzer does first: is there a sound track, and is there speech in it?"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.evidence import MediaInfo, MediaKind

SAMPLE_RATE_HZ = 16_000
MIN_SPEECH_S = 1.0


def no_sound_reason(media: MediaInfo) -> str | None:
    """Why a voice analyzer does not apply, or None when there is a sound track."""
    if media.kind is MediaKind.VIDEO and not media.has_audio:
        return "the video has no sound track"
    if media.kind not in (MediaKind.AUDIO, MediaKind.VIDEO):
        return "voice analysis needs audio or a video with sound"
    return None


def speech(ctx: Any) -> tuple[np.ndarray, list[Any]]:
    """16 kHz mono samples and the (shared, cached) speech segments."""
    from veracity.analyzers.audio._vad import speech_segments

    return ctx.audio(SAMPLE_RATE_HZ), speech_segments(ctx)


def too_little_speech(segments: list[Any]) -> str | None:
    total = sum(s.duration_s for s in segments)
    if total < MIN_SPEECH_S:
        return f"too little speech to judge ({total:.1f} s found; at least {MIN_SPEECH_S:.0f} s needed)"
    return None
