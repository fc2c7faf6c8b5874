"""Every model Veracity can use: shipped inside the package, or published elsewhere and fetched on request.

The entries live in ``registry.json`` next to this module (data, not code: training writes a new model's sha256
there). Shipped models are small files inside ``veracity/models/`` with a sha256, a licence and a model card.
Fetchable models name their original address at a pinned commit and the sha256 of each file; ``veracity models
fetch NAME`` (or ``import NAME --from DIR`` for an offline copy) puts them in the model store, checks every hash,
then runs the model's ``convert`` step (e.g. published torch weights -> ONNX). Analysis never downloads anything:
an analyzer whose model is absent abstains and says which command brings it.

The store is ``$VERACITY_MODEL_DIR`` when set, else the user's data folder (``~/.local/share/veracity/models``,
``%LOCALAPPDATA%\\veracity\\models`` on Windows, ``~/Library/Application Support/veracity/models`` on macOS).
Reading this module imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from veracity.errors import VeracityError

PACKAGE_DIR = Path(__file__).resolve().parent
CONVERTED_MANIFEST = "converted.json"


class ModelError(VeracityError):
    """A model is unknown, absent, or its files do not match their published hashes."""


@dataclass(frozen=True)
class ModelFile:
    name: str  # file name inside the model's store folder
    url: str  # original address at a pinned commit
    sha256: str


@dataclass(frozen=True)
class ShippedModel:
    """A model file inside the package."""

    name: str
    path: str  # relative to veracity/models/
    sha256: str
    licence: str
    card: str  # model card, relative to veracity/models/
    summary: str
    kind: Literal["shipped"] = "shipped"

    @property
    def file(self) -> Path:
        return PACKAGE_DIR / self.path


@dataclass(frozen=True)
class FetchableModel:
    """Published weights: fetched from their original address, checked by sha256, then converted."""

    name: str
    files: tuple[ModelFile, ...]
    licence: str
    paper: str
    source: str  # repository @ commit
    summary: str
    convert: str | None = None  # "module:function(source_dir, store_dir) -> list[Path]"; None keeps files as is
    outputs: tuple[str, ...] = ()  # files the convert step writes, e.g. ("aasist.onnx",)
    extra: str | None = None  # pip extra the convert step needs
    kind: Literal["fetchable"] = "fetchable"


Model = ShippedModel | FetchableModel

REGISTRY_FILE = PACKAGE_DIR / "registry.json"  # the entries; training writes each new model's sha256 there


def _entry(data: dict[str, Any]) -> Model:
    fields = {k: v for k, v in data.items() if k != "kind"}
    if data.get("kind") == "shipped":
        return ShippedModel(**fields)
    if data.get("kind") == "fetchable":
        files = tuple(ModelFile(**f) for f in fields.pop("files"))
        return FetchableModel(files=files, outputs=tuple(fields.pop("outputs", ())), **fields)
    raise ModelError(f"{REGISTRY_FILE}: model {data.get('name')!r} has unknown kind {data.get('kind')!r}")


def read_registry(path: Path = REGISTRY_FILE) -> dict[str, Model]:
    """The registry file's models by name, in file order."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["models"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: the model registry cannot be read ({exc})") from exc
    models = [_entry(e) for e in entries]
    return {m.name: m for m in models}


MODELS: dict[str, Model] = read_registry()


def get(name: str) -> Model:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r} (known: {', '.join(sorted(MODELS))})") from None


def store_dir(configured: Path | str | None = None) -> Path:
    """The model store: ``configured`` (``Settings.model_dir``), ``$VERACITY_MODEL_DIR``, else the user data dir."""
    if configured is not None:
        return Path(configured)
    from veracity.config import env

    if configured := env("model_dir"):
        return Path(configured)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "veracity" / "models"


def model_dir(name: str, store: Path | None = None) -> Path:
    return store_dir(store) / name


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelState:
    name: str
    kind: str
    present: bool
    verified: bool
    licence: str
    detail: str


def state(model: Model, store: Path | None = None) -> ModelState:
    """Is the model there, and do its files match their hashes? Reads files; imports nothing heavy."""
    if isinstance(model, ShippedModel):
        present = model.file.is_file()
        verified = present and sha256_file(model.file) == model.sha256
        return ModelState(model.name, model.kind, present, verified, model.licence, str(model.file))
    folder = model_dir(model.name, store)
    if not any((folder / f.name).is_file() for f in model.files):
        return ModelState(model.name, model.kind, False, False, model.licence,
                          f"not in the store; get it with: veracity models fetch {model.name}")
    problems = verify_fetched(model, folder)
    present = all((folder / f.name).is_file() for f in model.files) and all(
        (folder / o).is_file() for o in model.outputs
    )
    return ModelState(model.name, model.kind, present, present and not problems, model.licence,
                      "; ".join(problems) if problems else str(folder))


def verify_fetched(model: FetchableModel, folder: Path) -> list[str]:
    """Problems with a fetched model's folder: missing files, published hashes or converted outputs that differ."""
    problems = []
    for spec in model.files:
        path = folder / spec.name
        if not path.is_file():
            problems.append(f"{spec.name} missing")
        elif sha256_file(path) != spec.sha256:
            problems.append(f"{spec.name} does not match its published sha256")
    recorded = _read_converted(folder)
    for output in model.outputs:
        path = folder / output
        if not path.is_file():
            problems.append(f"{output} missing (run: veracity models fetch {model.name})")
        elif recorded.get(output) != sha256_file(path):
            problems.append(f"{output} does not match the hash recorded when it was converted")
    return problems


def _read_converted(folder: Path) -> dict[str, str]:
    try:
        return dict(json.loads((folder / CONVERTED_MANIFEST).read_text()))
    except (OSError, ValueError):
        return {}


def require_output(name: str, output: str, store: Path | None = None) -> Path:
    """Path of a converted model file, or ``ModelError`` saying how to get it. Never downloads."""
    get(name)  # unknown names raise here
    folder = model_dir(name, store)
    path = folder / output
    if not path.is_file():
        raise ModelError(f"the {name} model is not in the model store ({folder}); "
                         f"get it with: veracity models fetch {name}")
    return path


def is_present(name: str, store: Path | str | None = None) -> bool:
    """Are the model's files there (shipped: in the package; fetched: in the store, converted)? No hashing."""
    model = get(name)
    if isinstance(model, ShippedModel):
        return model.file.is_file()
    folder = model_dir(model.name, Path(store) if store else None)
    return all((folder / f.name).is_file() for f in model.files) and all((folder / o).is_file()
                                                                        for o in model.outputs)


def fetch_hint(name: str) -> str:
    """What the user can do about a missing model."""
    if isinstance(get(name), ShippedModel):
        return "reinstall veracity (the model ships inside the package)"
    return f"veracity models fetch {name}"


def shipped_file(name: str) -> Path:
    """Path of a model shipped inside the package, checked against its sha256; ``ModelError`` if absent or altered."""
    model = get(name)
    if not isinstance(model, ShippedModel):
        raise ModelError(f"{name} is not shipped inside the package")
    if not model.file.is_file():
        raise ModelError(f"{model.file} is missing from the installation")
    if sha256_file(model.file) != model.sha256:
        raise ModelError(f"{model.file} does not match its recorded sha256")
    return model.file
