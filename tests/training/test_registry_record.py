"""Training scripts write each new model's sha256 into the model registry."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training"))

import _registry  # noqa: E402


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    registry = tmp_path / "registry.py"
    registry.write_text('ShippedModel(\n    name="a",\n    path="a_v1.json",\n    sha256="' + "0" * 64 + '",\n)\n'
                        'ShippedModel(name="b", path="b_v1.json", sha256="' + "1" * 64 + '")\n')
    monkeypatch.setattr(_registry, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(_registry, "REGISTRY", registry)
    return tmp_path


def test_the_entry_with_the_file_name_gets_the_new_sha256(models_dir: Path) -> None:
    model = models_dir / "a_v1.json"
    model.write_text('{"weights": [1, 2]}\n')
    digest = _registry.record_sha256(model)
    assert digest == hashlib.sha256(model.read_bytes()).hexdigest()
    text = (models_dir / "registry.py").read_text()
    assert f'path="a_v1.json",\n    sha256="{digest}"' in text and "1" * 64 in text


def test_models_written_elsewhere_leave_the_registry_alone(models_dir: Path, tmp_path_factory: pytest.TempPathFactory
                                                           ) -> None:
    before = (models_dir / "registry.py").read_text()
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "a_v1.json"
    elsewhere.write_text("{}")
    assert _registry.record_sha256(elsewhere) == hashlib.sha256(b"{}").hexdigest()
    assert (models_dir / "registry.py").read_text() == before


def test_a_model_missing_from_the_registry_stops_training(models_dir: Path) -> None:
    unknown = models_dir / "c_v1.json"
    unknown.write_text("{}")
    with pytest.raises(SystemExit, match="c_v1.json"):
        _registry.record_sha256(unknown)
