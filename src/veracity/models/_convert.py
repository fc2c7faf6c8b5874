"""Put a fetchable model into the store: download (or copy from a folder), check sha256, convert.

Only ``veracity models fetch`` / ``import`` call this; analysis never does.
"""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from veracity.errors import MissingExtra
from veracity.models.registry import (
    CONVERTED_MANIFEST,
    FetchableModel,
    ModelError,
    get,
    model_dir,
    sha256_file,
)

Say = Callable[[str], None]


def install(name: str, *, source_dir: Path | None = None, store: Path | None = None, say: Say = print) -> Path:
    """Fetch ``name`` from its original address (or copy it from ``source_dir``), verify, convert; return its folder.

    Files are checked in a temporary folder and moved into the store only when every hash matches, so a
    corrupted or tampered download never lands there.
    """
    model = get(name)
    if not isinstance(model, FetchableModel):
        raise ModelError(f"{name} is {model.kind}: there is nothing to fetch")
    folder = model_dir(name, store)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".incoming-") as tmp:
        staging = Path(tmp)
        for spec in model.files:
            target = staging / spec.name
            if (folder / spec.name).is_file() and sha256_file(folder / spec.name) == spec.sha256:
                say(f"{spec.name}: already in the store")
                continue
            if source_dir is not None:
                src = Path(source_dir) / spec.name
                if not src.is_file():
                    raise ModelError(f"{src} not found")
                say(f"{spec.name}: copying from {src}")
                shutil.copyfile(src, target)
            else:
                say(f"{spec.name}: downloading {spec.url}")
                _download(spec.url, target)
            actual = sha256_file(target)
            if actual != spec.sha256:
                raise ModelError(f"{spec.name} does not match its published sha256 "
                                 f"(expected {spec.sha256}, got {actual}); nothing was installed")
        for staged in staging.iterdir():
            staged.replace(folder / staged.name)
    if model.convert:
        _run_convert(model, folder, say)
    return folder


def _download(url: str, target: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "veracity-model-fetch"})
    with urllib.request.urlopen(request, timeout=60) as response, open(target, "wb") as out:  # noqa: S310
        shutil.copyfileobj(response, out)


def _run_convert(model: FetchableModel, folder: Path, say: Say) -> None:
    module_name, _, function_name = (model.convert or "").partition(":")
    try:
        convert = getattr(importlib.import_module(module_name), function_name)
        written: list[Path] = convert(folder, say)
    except ModuleNotFoundError as exc:
        raise MissingExtra(
            f"converting {model.name} needs {exc.name}, which is not installed; "
            f"install it with: pip install 'veracity[{model.extra}]'"
        ) from exc
    recorded = {path.name: sha256_file(path) for path in written}
    (folder / CONVERTED_MANIFEST).write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")


def convert_aasist(folder: Path, say: Say) -> list[Path]:
    """Build AASIST and AASIST-L in torch, load the published state dicts, export each to ONNX."""
    import torch  # noqa: F401 - fail early with a MissingExtra when the train extra is absent

    from veracity.models._aasist_torch import AASIST, AASIST_L, export_onnx

    written = []
    for weights, config, output in (("AASIST.pth", AASIST, "aasist.onnx"), ("AASIST-L.pth", AASIST_L, "aasist-l.onnx")):
        say(f"{output}: converting {weights} to ONNX")
        export_onnx(folder / weights, config, folder / output)
        written.append(folder / output)
    return written
