"""Settings: the one description of an analysis, built from the environment and options, travelling one way."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.analyzers import registry
from veracity.config import Limits, Profile, Settings


def test_environment_then_options_build_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VERACITY_PROFILE", "fast")
    monkeypatch.setenv("VERACITY_MAX_PIXELS", "1234")
    monkeypatch.setenv("VERACITY_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("VERACITY_FILE_TIMEOUT_S", "12.5")
    from_env = Settings.from_env()
    assert from_env.profile is Profile.FAST and from_env.limits.max_pixels == 1234
    assert from_env.model_dir == tmp_path and from_env.file_timeout_s == 12.5
    assert Settings.from_env(profile=Profile.THOROUGH, file_timeout_s=None).profile is Profile.THOROUGH
    monkeypatch.setenv("VERACITY_PROFILE", "warp")
    with pytest.raises(ValueError, match="profile"):
        Settings.from_env()


def test_settings_travel_to_workers_whole(tmp_path: Path) -> None:
    settings = Settings(profile=Profile.FAST, limits=Limits(max_pixels=99), model_dir=tmp_path, worker_memory_mb=0)
    again = Settings.from_json(settings.to_json())
    assert again == settings and again.worker_memory_bytes is None


def test_the_server_config_embeds_the_settings_model_dir_included(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    from veracity.server.config import ServerConfig

    monkeypatch.setenv("VERACITY_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("VERACITY_PROFILE", "thorough")
    monkeypatch.setenv("VERACITY_WORKERS", "3")
    config = ServerConfig.from_env(data_dir=tmp_path)
    assert config.workers == 3 and config.settings.profile is Profile.THOROUGH
    assert Settings.from_json(config.settings.to_json()).model_dir == tmp_path / "models"
    with pytest.raises(ValueError):
        ServerConfig(profile="fast")  # type: ignore[call-arg]  # profile lives in settings


@pytest.mark.parametrize("profile", list(Profile))
def test_which_analyzers_run_is_decided_in_one_place(profile: Profile) -> None:
    from veracity.batch.scan import analyzer_signature
    from veracity.scanner import Scanner

    chosen = registry.for_profile(profile)
    costs = {cls.info.cost for cls in chosen}
    assert chosen and max(costs) <= {Profile.FAST: 1, Profile.DEFAULT: 2, Profile.THOROUGH: 3}[profile]
    assert Scanner(Settings(profile=profile))._classes == chosen
    assert analyzer_signature(Settings(profile=profile)).count("@") == len(chosen)
    named = registry.for_profile(profile, ["image.ela"])
    assert [cls.info.id for cls in named] == ["image.ela"]  # named analyzers run whatever their cost
