"""Limits and profiles shared by the CLI, the Python API and the server.

Every value can be overridden from the environment (``VERACITY_MAX_FILE_BYTES=...``) or in code
(``Settings(limits=Limits(max_pixels=...))``).
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Profile(StrEnum):
    FAST = "fast"
    DEFAULT = "default"
    THOROUGH = "thorough"


class Limits(BaseModel):
    """Checked from headers and probing, before any decoding."""

    model_config = ConfigDict(frozen=True)

    max_file_bytes: int = 2 * 1024**3
    max_pixels: int = 100_000_000  # per frame or image
    max_duration_s: float = 3 * 3600.0

    @classmethod
    def from_env(cls) -> Limits:
        values = {
            name: raw for name in cls.model_fields if (raw := os.environ.get(f"VERACITY_{name.upper()}"))
        }
        return cls.model_validate(values)


class SamplingPlan(BaseModel):
    """Which video frames analyzers see: at most ``fps_cap`` per second and ``max_frames`` in all."""

    model_config = ConfigDict(frozen=True)

    fps_cap: float = 8.0
    max_frames: int = 96
    keyframes_only: bool = False
    max_side_px: int = 1280  # frames larger than this are downscaled for analysis


PROFILE_PLANS: dict[Profile, SamplingPlan] = {
    Profile.FAST: SamplingPlan(fps_cap=2.0, max_frames=24, max_side_px=720),
    Profile.DEFAULT: SamplingPlan(),
    Profile.THOROUGH: SamplingPlan(fps_cap=30.0, max_frames=900, max_side_px=1920),
}

PROFILE_MAX_COST: dict[Profile, int] = {Profile.FAST: 1, Profile.DEFAULT: 2, Profile.THOROUGH: 3}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    profile: Profile = Profile.DEFAULT
    limits: Limits = Field(default_factory=Limits.from_env)
    analyzer_timeout_s: float = 300.0
    audio_sample_rate_hz: int = 16_000
    model_dir: Path | None = Field(
        default_factory=lambda: Path(p) if (p := os.environ.get("VERACITY_MODEL_DIR")) else None
    )

    @property
    def sampling(self) -> SamplingPlan:
        return PROFILE_PLANS[self.profile]
