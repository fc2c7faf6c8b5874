from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.cli.app import app
from veracity.models import registry
from veracity.models._convert import install
from veracity.models.registry import FetchableModel, ModelError, ModelFile, ShippedModel


def _tiny_model(monkeypatch: pytest.MonkeyPatch, content: bytes) -> FetchableModel:
    model = FetchableModel(
        name="tiny", files=(ModelFile("w.bin", "https://example.invalid/w.bin", hashlib.sha256(content).hexdigest()),),
        licence="MIT", paper="-", source="example@0", summary="test model",
    )
    monkeypatch.setitem(registry.MODELS, "tiny", model)
    return model


def test_import_verifies_sha256_and_rejects_a_corrupted_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _tiny_model(monkeypatch, b"published weights")
    source, store = tmp_path / "src", tmp_path / "store"
    source.mkdir()
    (source / "w.bin").write_bytes(b"published weightz")  # one byte off
    with pytest.raises(ModelError, match="sha256"):
        install("tiny", source_dir=source, store=store, say=lambda _line: None)
    assert not (store / "tiny" / "w.bin").exists(), "a file that fails its hash must not land in the store"
    assert registry.state(model, store).present is False

    (source / "w.bin").write_bytes(b"published weights")
    install("tiny", source_dir=source, store=store, say=lambda _line: None)
    assert registry.state(model, store).verified is True

    (store / "tiny" / "w.bin").write_bytes(b"tampered afterwards")
    state = registry.state(model, store)
    assert state.present and not state.verified and "sha256" in state.detail


def test_store_dir_follows_settings_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERACITY_MODEL_DIR", str(tmp_path / "env"))
    assert registry.store_dir() == tmp_path / "env"
    assert registry.store_dir(tmp_path / "explicit") == tmp_path / "explicit"
    monkeypatch.delenv("VERACITY_MODEL_DIR")
    assert registry.store_dir().parts[-2:] == ("veracity", "models")


def test_missing_model_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="veracity models fetch aasist"):
        registry.require_output("aasist", "aasist.onnx", tmp_path)
    with pytest.raises(ModelError, match="unknown model"):
        registry.get("no-such-model")


def test_every_shipped_model_matches_its_hash_and_has_a_card() -> None:
    shipped = [m for m in registry.MODELS.values() if isinstance(m, ShippedModel)]
    assert shipped
    for model in shipped:
        assert registry.state(model).verified, f"{model.name}: update its sha256 in the registry"
        assert (registry.PACKAGE_DIR / model.card).is_file()


def test_fetchable_models_pin_a_commit_and_a_hash() -> None:
    for model in registry.MODELS.values():
        if isinstance(model, FetchableModel):
            commit = model.source.split("@")[1]
            assert len(commit) == 40
            for spec in model.files:
                assert commit in spec.url and len(spec.sha256) == 64


def test_models_list_and_a_failed_import_from_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list", "--store", str(tmp_path)])
    assert listed.exit_code == 0 and "aasist" in listed.output and "fetchable" in listed.output
    failed = runner.invoke(app, ["models", "import", "aasist", "--from", str(tmp_path / "empty"), "--store",
                                 str(tmp_path)])
    assert failed.exit_code == 2


def test_conversion_without_torch_names_the_train_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.errors import MissingExtra

    model = _tiny_model(monkeypatch, b"weights")
    converting = FetchableModel(**{**model.__dict__, "convert": "veracity.models._convert:convert_aasist",
                                   "outputs": ("aasist.onnx",), "extra": "train"})
    monkeypatch.setitem(registry.MODELS, "tiny", converting)
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    (tmp_path / "w.bin").write_bytes(b"weights")
    with pytest.raises(MissingExtra, match=r"veracity\[train\]"):
        install("tiny", source_dir=tmp_path, store=tmp_path / "store", say=lambda _line: None)
