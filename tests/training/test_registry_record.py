"""Training writes each new model's sha256 into registry.json, and the runtime registry reads it back."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from training.cards import record_sha256

from veracity.models.registry import REGISTRY_FILE, ShippedModel, read_registry, state


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(REGISTRY_FILE, folder / "registry.json")
    return folder


def test_a_retrained_model_round_trips_through_the_registry(models_dir: Path) -> None:
    model = models_dir / "ai_image_v2.json"
    model.write_text('{"weights": [1, 2, 3]}')
    digest = record_sha256(model, registry=models_dir / "registry.json")
    assert digest == hashlib.sha256(model.read_bytes()).hexdigest()
    entry = read_registry(models_dir / "registry.json")["ai_image"]
    assert isinstance(entry, ShippedModel) and entry.sha256 == digest and entry.path == "ai_image_v2.json"
    others = {k: v for k, v in read_registry(models_dir / "registry.json").items() if k != "ai_image"}
    assert others == {k: v for k, v in read_registry().items() if k != "ai_image"}  # nothing else moved
    before = (models_dir / "registry.json").read_bytes()
    record_sha256(model, registry=models_dir / "registry.json")
    assert (models_dir / "registry.json").read_bytes() == before  # the same file: the same bytes


def test_a_new_model_is_added_only_with_its_card_and_licence(models_dir: Path) -> None:
    onnx = models_dir / "trunk.onnx"
    onnx.write_bytes(b"onnx bytes")
    with pytest.raises(SystemExit, match="no registry entry"):
        record_sha256(onnx, registry=models_dir / "registry.json")
    record_sha256(onnx, name="trunk", licence="MIT", card="trunk.md", summary="A trunk.",
                  registry=models_dir / "registry.json")
    entry = read_registry(models_dir / "registry.json")["trunk"]
    assert isinstance(entry, ShippedModel) and entry.licence == "MIT"
    assert entry.sha256 == hashlib.sha256(b"onnx bytes").hexdigest()
    data = json.loads((models_dir / "registry.json").read_text())
    assert data["models"][-1]["name"] == "trunk"


def test_models_written_elsewhere_leave_the_registry_alone(models_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "ai_image_v2.json"
    elsewhere.write_text("{}")
    before = (models_dir / "registry.json").read_bytes()
    assert record_sha256(elsewhere, registry=models_dir / "registry.json") == hashlib.sha256(b"{}").hexdigest()
    assert (models_dir / "registry.json").read_bytes() == before


def test_every_shipped_model_matches_the_registry_file() -> None:
    for model in read_registry().values():
        if isinstance(model, ShippedModel):
            assert state(model).verified, model.name
