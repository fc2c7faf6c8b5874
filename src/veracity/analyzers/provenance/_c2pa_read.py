"""Read and validate a C2PA (Content Credentials) manifest store with ``c2pa-python``, offline.

What it detects: a manifest embedded in the file (JPEG, PNG, WebP, HEIC/AVIF, GIF, TIFF, MP4/MOV, WAV, MP3...) or in a
sidecar ``<file>.c2pa``; who signed it, with which tool, when, what the signer declared (actions and IPTC
``digitalSourceType``, e.g. ``trainedAlgorithmicMedia``), the chain of ingredients it was made from, and whether the
signature and the content hashes still hold (C2PA Technical Specification 2.x, section 15 "Validation";
https://c2pa.org/specifications/). Where it fails: a manifest says what the signer declared, not what is true; a
stripped manifest leaves no trace; a manifest stored online (remote URL) is not fetched; without trust anchors no
signer can be called trusted; revocation (OCSP) is not checked offline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

_OFFLINE_VERIFY = {"remote_manifest_fetch": False, "ocsp_fetch": False}
_MIME_BY_CONTAINER = {
    "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif", "tiff": "image/tiff",
    "mp4": "video/mp4", "mov": "video/quicktime", "m4a": "audio/mp4", "wav": "audio/wav", "mp3": "audio/mpeg",
    "avi": "video/avi", "flac": "audio/flac",
}
_CONTENT_HASH = re.compile(r"^assertion\.(dataHash|bmffHash|boxesHash|collectionHash)\.")
_SIGNATURE = re.compile(r"^(claimSignature\.|signingCredential\.(invalid|revoked|expired))")
_MAX_CHAIN_DEPTH = 16

# IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/) that declare trained-AI output.
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
CAPTURE_SOURCE_TYPES = frozenset({"digitalCapture", "computationalCapture", "compositeCapture"})


class C2paState(StrEnum):
    """What validation says about the active manifest, most serious first."""

    SIGNATURE_INVALID = "signature_invalid"  # the claim signature does not verify
    CONTENT_CHANGED = "content_changed"  # signature fine, but the pixels/samples no longer match the signed hash
    MANIFEST_INVALID = "manifest_invalid"  # parts of the manifest do not match their recorded hashes, or are missing
    UNTRUSTED = "valid_untrusted"  # intact, but the signing certificate is not on the trust list
    TRUSTED = "valid_trusted"  # intact and signed by a certificate chaining to a configured trust anchor


@dataclass(frozen=True)
class Declaration:
    """One ``digitalSourceType`` found in a manifest of the chain."""

    source_type: str  # last segment of the IPTC URI, e.g. trainedAlgorithmicMedia
    manifest_label: str
    depth: int  # 0 = the active manifest, 1 = its ingredient's manifest, ...
    relationship: str | None  # how that manifest's asset entered the chain (parentOf, componentOf)
    action: str | None
    software_agent: str | None


@dataclass(frozen=True)
class Ingredient:
    title: str | None
    relationship: str | None
    depth: int
    claim_generator: str | None
    signer: str | None
    failure_codes: tuple[str, ...]


@dataclass(frozen=True)
class C2paManifest:
    """The active manifest and what validation said about it, in plain fields."""

    state: C2paState
    validation_state: str  # the library's own word: Invalid, Valid, Trusted
    claim_generator: str | None
    signer: str | None  # certificate common name
    issuer: str | None  # certificate organisation / issuer
    signing_time: str | None
    signature_alg: str | None
    actions: tuple[str, ...]
    declarations: tuple[Declaration, ...]
    ingredients: tuple[Ingredient, ...]
    failure_codes: tuple[str, ...]
    identity_failures: tuple[str, ...]  # CAWG identity assertions that could not be verified
    informational_codes: tuple[str, ...]
    trust_configured: bool
    source: str  # "embedded" | "sidecar"
    manifest_count: int
    title: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class RemoteManifest(Exception):
    """The file points to a manifest stored online; it is not fetched."""


class UnreadableManifest(Exception):
    """A manifest is present but the library could not parse it."""


def read_manifest(path: Path, container: str | None, trust_anchors_pem: str | None) -> C2paManifest | None:
    """The validated active manifest of ``path`` (embedded first, then a sidecar), or None when there is none.

    Raises ``RemoteManifest`` for a manifest stored online and ``UnreadableManifest`` for a damaged one.
    """
    import c2pa

    settings: dict[str, Any] = {"verify": dict(_OFFLINE_VERIFY)}
    if trust_anchors_pem:
        settings["trust"] = {"trust_anchors": trust_anchors_pem}
    context = c2pa.Context.from_dict(settings)
    mime = _MIME_BY_CONTAINER.get(container or "")
    report, source = None, "embedded"
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader.try_create(mime, stream, None, context)
            if reader is None:
                sidecar = _sidecar(path)
                if sidecar is None:
                    return None
                stream.seek(0)
                reader = c2pa.Reader(mime, stream, sidecar.read_bytes(), context)
                source = "sidecar"
            with reader:
                report = json.loads(reader.json())
    except c2pa.C2paError as exc:
        message = str(exc)
        if isinstance(exc, c2pa.C2paError.RemoteManifest) or message.startswith("Remote"):
            raise RemoteManifest(message) from exc
        if isinstance(exc, c2pa.C2paError.NotSupported):
            return None
        raise UnreadableManifest(message) from exc
    return summarize(report, trust_configured=bool(trust_anchors_pem), source=source)


def _sidecar(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + ".c2pa"), path.with_suffix(".c2pa")):
        if candidate != path and candidate.is_file():
            return candidate
    return None


def summarize(report: dict[str, Any], *, trust_configured: bool, source: str) -> C2paManifest:
    """Reduce the library's JSON report to the fields Veracity explains."""
    manifests: dict[str, Any] = report.get("manifests") or {}
    active_label = report.get("active_manifest") or ""
    active = manifests.get(active_label) or {}
    results = (report.get("validation_results") or {}).get("activeManifest") or {}
    failures = [c["code"] for c in results.get("failure", []) if "code" in c]
    if not results:  # older reports: a flat list with the active manifest's codes and its ingredients' codes
        failures = [c["code"] for c in report.get("validation_status", []) if active_label in c.get("url", "")]
    identity = tuple(sorted({c for c in failures if c.startswith("cawg.")}))
    core = [c for c in failures if not c.startswith("cawg.")]
    signature = active.get("signature_info") or {}
    declarations, ingredients = _walk_chain(manifests, active_label)
    return C2paManifest(
        state=_state(core, report.get("validation_state")),
        validation_state=str(report.get("validation_state") or ""),
        claim_generator=_claim_generator(active),
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        signing_time=signature.get("time"),
        signature_alg=signature.get("alg"),
        actions=tuple(a for a, *_ in _actions(active)),
        declarations=tuple(declarations),
        ingredients=tuple(ingredients),
        failure_codes=tuple(dict.fromkeys(core)),
        identity_failures=identity,
        informational_codes=tuple(dict.fromkeys(c["code"] for c in results.get("informational", []) if "code" in c)),
        trust_configured=trust_configured,
        source=source,
        manifest_count=len(manifests),
        title=active.get("title"),
    )


def _state(core_failures: list[str], validation_state: str | None) -> C2paState:
    if any(_SIGNATURE.match(c) for c in core_failures):
        return C2paState.SIGNATURE_INVALID
    if any(_CONTENT_HASH.match(c) for c in core_failures):
        return C2paState.CONTENT_CHANGED
    if any(c != "signingCredential.untrusted" for c in core_failures):
        return C2paState.MANIFEST_INVALID
    if validation_state == "Trusted" and "signingCredential.untrusted" not in core_failures:
        return C2paState.TRUSTED
    return C2paState.UNTRUSTED


def _claim_generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict) and info[0].get("name"):
        first = info[0]
        return f"{first['name']} {first.get('version', '')}".strip()
    generator = manifest.get("claim_generator")
    return str(generator) if generator else None


def _actions(manifest: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(action, digitalSourceType, softwareAgent) for every action assertion of a manifest."""
    found = []
    for assertion in manifest.get("assertions") or []:
        if not re.fullmatch(r"c2pa\.actions(\.v\d+)?", str(assertion.get("label", ""))):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            agent = action.get("softwareAgent")
            if isinstance(agent, dict):
                agent = agent.get("name")
            found.append((str(action.get("action", "")), action.get("digitalSourceType"), agent))
    return found


def _source_types(manifest: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(source type, action, software agent) from actions and from any metadata assertion that carries one."""
    found: list[tuple[str, str | None, str | None]] = [
        (_short(t), a, s) for a, t, s in _actions(manifest) if isinstance(t, str) and t.strip()
    ]
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for value in _values_for_key(assertion.get("data"), "digitalsourcetype"):
            found.append((_short(value), None, None))
    return found


def _values_for_key(data: Any, key_suffix: str, depth: int = 0) -> list[str]:
    if depth > 8:
        return []
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            if str(key).lower().endswith(key_suffix) and isinstance(value, str):
                out.append(value)
            else:
                out.extend(_values_for_key(value, key_suffix, depth + 1))
        return out
    if isinstance(data, list):
        return [v for item in data for v in _values_for_key(item, key_suffix, depth + 1)]
    return []


def _short(source_type: str) -> str:
    return source_type.strip().rstrip("/").rsplit("/", 1)[-1]


def _walk_chain(manifests: dict[str, Any], active_label: str) -> tuple[list[Declaration], list[Ingredient]]:
    declarations: list[Declaration] = []
    ingredients: list[Ingredient] = []
    seen = {active_label}
    queue: list[tuple[str, int, str | None]] = [(active_label, 0, None)]
    while queue:
        label, depth, relationship = queue.pop(0)
        manifest = manifests.get(label) or {}
        for source_type, action, agent in _source_types(manifest):
            declarations.append(Declaration(source_type, label, depth, relationship, action, agent))
        if depth >= _MAX_CHAIN_DEPTH:
            continue
        for ingredient in manifest.get("ingredients") or []:
            child_label = ingredient.get("active_manifest")
            child = manifests.get(child_label) or {}
            codes = tuple(v["code"] for v in ingredient.get("validation_status") or [] if "code" in v)
            ingredients.append(Ingredient(
                title=ingredient.get("title"),
                relationship=ingredient.get("relationship"),
                depth=depth + 1,
                claim_generator=_claim_generator(child) if child else None,
                signer=(child.get("signature_info") or {}).get("common_name") if child else None,
                failure_codes=codes,
            ))
            if child_label and child_label not in seen and child:
                seen.add(child_label)
                queue.append((child_label, depth + 1, ingredient.get("relationship")))
    return declarations, ingredients
