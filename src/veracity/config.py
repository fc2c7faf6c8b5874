"""``Settings``, the one description of an analysis (profile, limits, time and memory limits, model folder),
shared by the CLI, the Python API, batch workers and the server.

Every value can be set from the environment (``VERACITY_<FIELD>``, e.g. ``VERACITY_PROFILE=fast``,
``VERACITY_MAX_FILE_BYTES=...``), read here and nowhere else (``env``), or in code
(``Settings(limits=Limits(max_pixels=...))``). Settings travel to worker processes as ``to_json``/``from_json``.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "VERACITY_"


def env(name: str) -> str | None:
    """The one reader of Veracity's environment: ``VERACITY_<NAME>``; None when unset or empty."""
    raw = os.environ.get(ENV_PREFIX + name.upper())
    return raw if raw else None


def env_fields(model: type[BaseModel], skip: tuple[str, ...] = ()) -> dict[str, str]:
    """``VERACITY_<FIELD>`` for each of ``model``'s fields that is set (values as text, for pydantic to parse)."""
    return {name: raw for name in model.model_fields if name not in skip and (raw := env(name)) is not None}


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
        return cls.model_validate(env_fields(cls))


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
    file_timeout_s: float = Field(default=900.0, gt=0, description=(
        "per file, probing included, where files run in isolated workers (check of several files, scan, bench, "
        "serve): past it the worker is killed and the file fails"))
    worker_memory_mb: int = Field(default=4096, ge=0, description=(
        "address-space limit per worker process (RLIMIT_AS; 0: none); a file that needs more fails with that "
        "reason. A worker maps about 1.1 GiB before any file and peaked at 1.9 GiB on the corpus's largest files"))
    analyzer_threads: int | None = Field(default=None, gt=0, description=(
        "threads the analyzers of one file run in (default: the CPU count, at most 4)"))
    robustness: bool = Field(default=False, description=(
        "also re-analyse damaged copies (recompressed, downscaled, metadata stripped) and report whether the "
        "verdict holds (veracity.robustness)"))
    audio_sample_rate_hz: int = 16_000
    model_dir: Path | None = Field(default_factory=lambda: Path(p) if (p := env("model_dir")) else None)

    @property
    def sampling(self) -> SamplingPlan:
        return PROFILE_PLANS[self.profile]

    @property
    def worker_memory_bytes(self) -> int | None:
        return self.worker_memory_mb * 1024**2 if self.worker_memory_mb else None

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Values from ``VERACITY_*`` variables, then ``overrides`` (those that are not None) on top."""
        values: dict[str, Any] = env_fields(cls, skip=("limits",))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    def to_json(self) -> str:
        """The one encoding settings travel in to worker processes (see ``from_json``)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> Settings:
        return cls.model_validate_json(text)
