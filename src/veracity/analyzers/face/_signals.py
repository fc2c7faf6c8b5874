"""Each face signal by name, computed once per file on top of the shared tracks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from veracity.analyzers.face._outcome import SignalOutcome
from veracity.analyzers.face._tracking import FaceTracks, face_tracks

AUDIO_RATE_HZ = 16_000

# name → (short label for pictures, function of (tracks, ctx))
SIGNALS: dict[str, tuple[str, Callable[[FaceTracks, Any], SignalOutcome]]] = {}


def _register(name: str, label: str) -> Callable[[Callable[[FaceTracks, Any], SignalOutcome]], Any]:
    def add(fn: Callable[[FaceTracks, Any], SignalOutcome]) -> Callable[[FaceTracks, Any], SignalOutcome]:
        SIGNALS[name] = (label, fn)
        return fn

    return add


@_register("landmark_jitter", "jitter")
def _jitter(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._motion import jitter_signal

    return jitter_signal(tracks)


@_register("blink", "blinking")
def _blink(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._blink import blink_signal

    return blink_signal(tracks)


@_register("head_pose", "head pose")
def _pose(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._motion import head_pose_signal

    return head_pose_signal(tracks)


@_register("blending", "blending")
def _blending(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._blending import blending_signal

    return blending_signal(tracks)


@_register("lip_sync", "lip sync")
def _sync(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._sync import sync_signal

    return sync_signal(tracks, energy_envelope(ctx))


@_register("pulse", "pulse")
def _pulse(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._pulse import pulse_signal

    return pulse_signal(tracks)


@_register("identity_drift", "identity")
def _identity(tracks: FaceTracks, ctx: Any) -> SignalOutcome:
    from veracity.analyzers.face._identity import identity_signal

    return identity_signal(tracks)


def energy_envelope(ctx: Any) -> np.ndarray | None:
    """Speech energy in dB every 10 ms, shared as ``audio.energy_envelope``; None when there is no audio."""

    def compute() -> np.ndarray | None:
        from veracity.analyzers.face._sync import energy_envelope as envelope
        from veracity.errors import VeracityError

        if not ctx.media.has_audio:
            return None
        try:
            samples = ctx.audio(AUDIO_RATE_HZ)
        except VeracityError:
            return None
        return envelope(samples, AUDIO_RATE_HZ) if len(samples) else None

    return ctx.cached("audio.energy_envelope", compute)  # type: ignore[no-any-return]


def outcome(ctx: Any, name: str) -> SignalOutcome:
    tracks = face_tracks(ctx)
    _label, fn = SIGNALS[name]
    return ctx.cached(f"face.signal.{name}", lambda: fn(tracks, ctx))  # type: ignore[no-any-return]


def no_face_reason(tracks: FaceTracks) -> str:
    if tracks.frame_count == 0:
        return "no frames could be decoded"
    if not tracks.tracks:
        return f"no face was found in {tracks.frame_count} sampled frame(s)"
    return "faces were seen only in profile or too blurred for landmarks"
