"""Record a freshly trained model's sha256 in ``veracity/models/registry.py``, so ``make train`` leaves the registry
matching the files it wrote (models written elsewhere, e.g. ``--out /tmp/x``, are left out)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parents[1] / "src" / "veracity" / "models"
REGISTRY = MODELS_DIR / "registry.py"


def record_sha256(model_file: Path) -> str:
    """The file's sha256, written into the registry entry whose ``path`` is the file's name."""
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    if model_file.resolve().parent != MODELS_DIR:
        return digest
    text = REGISTRY.read_text(encoding="utf-8")
    pattern = re.compile(r'(path="' + re.escape(model_file.name) + r'",\s*sha256=")[0-9a-f]{64}(")')
    new, count = pattern.subn(lambda m: m.group(1) + digest + m.group(2), text)
    if count != 1:
        raise SystemExit(f"no registry entry with path={model_file.name!r} in {REGISTRY}")
    if new != text:
        REGISTRY.write_text(new, encoding="utf-8")
    return digest
