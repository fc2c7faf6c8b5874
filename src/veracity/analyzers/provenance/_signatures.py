"""Match metadata fields against the signature database ``signatures.json`` (one entry per tool or generator).

Each entry names the canonical fields it looks at, a regular expression, a category (camera, editing_software,
ai_generator, re_encoder, platform), what a match means, whether it is decisive (only markers a generator itself
writes, such as a ComfyUI graph) and the public source of the fact. Where it fails: metadata is trivially stripped or
forged, so a match shows what wrote the file last, and no match shows nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

CATEGORIES = ("camera", "editing_software", "ai_generator", "re_encoder", "platform")


@dataclass(frozen=True)
class Signature:
    id: str
    name: str
    category: str
    fields: tuple[str, ...]
    pattern: re.Pattern[str]
    decisive: bool
    meaning: str
    source: str


@dataclass(frozen=True)
class SignatureHit:
    signature: Signature
    field: str
    value: str


@cache
def load_signatures() -> tuple[Signature, ...]:
    raw = json.loads(resources.files("veracity.analyzers.provenance").joinpath("signatures.json").read_text("utf-8"))
    signatures = []
    for entry in raw["signatures"]:
        if entry["category"] not in CATEGORIES:
            raise ValueError(f"signature {entry['id']}: unknown category {entry['category']!r}")
        signatures.append(Signature(
            id=entry["id"], name=entry["name"], category=entry["category"], fields=tuple(entry["fields"]),
            pattern=re.compile(entry["regex"]), decisive=bool(entry.get("decisive", False)),
            meaning=entry["meaning"], source=entry["source"],
        ))
    return tuple(signatures)


def match_signatures(fields: dict[str, str]) -> list[SignatureHit]:
    """Every signature that matches one of its fields, at most one hit per signature."""
    hits = []
    for signature in load_signatures():
        for name in signature.fields:
            value = fields.get(name)
            if value and signature.pattern.search(value):
                hits.append(SignatureHit(signature, name, value))
                break
    return hits
