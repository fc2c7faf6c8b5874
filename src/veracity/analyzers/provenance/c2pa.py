"""Content Credentials (C2PA): who signed the file, what they declared about its origin, and whether it still holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.provenance._c2pa_read import (  # plain Python: c2pa itself loads inside read_manifest
    AI_SOURCE_TYPES,
    CAPTURE_SOURCE_TYPES,
    C2paManifest,
    C2paState,
    Declaration,
    RemoteManifest,
    UnreadableManifest,
    read_manifest,
)
from veracity.config import env
from veracity.errors import VeracityError
from veracity.evidence import AnalyzerResult, Direction, Finding, JsonScalar, JsonValue, MediaInfo, MediaKind, Status

TRUST_ANCHORS_ENV = "VERACITY_C2PA_TRUST_ANCHORS"  # read through veracity.config.env("c2pa_trust_anchors")

_P_AI_DECLARED = 0.97
# A broken hash or signature shows the file or its credentials changed after signing, not how or by whom; tools that
# edit metadata but keep the manifest break it too. It voids the credentials more than it proves manipulation.
_P_TAMPERED = 0.56
_P_MANIFEST_DAMAGED = 0.55
_P_CAPTURE_TRUSTED = 0.1
_P_CAPTURE_UNTRUSTED = 0.25
_P_CAPTURE_ANCESTOR = 0.35

_SOURCE_WORDS = {
    "trainedAlgorithmicMedia": "made by a generative AI model",
    "compositeWithTrainedAlgorithmicMedia": "a composite that includes generative-AI elements (e.g. generative fill)",
    "algorithmicMedia": "made by an algorithm without a trained model (procedural or test imagery)",
    "compositeSynthetic": "a composite of synthetic elements",
    "digitalCapture": "captured by a camera or recorder",
    "computationalCapture": "captured by a camera with computational processing (e.g. a phone's HDR)",
    "compositeCapture": "a composite of several captures",
    "digitalCreation": "made by a person with digital tools",
    "minorHumanEdits": "a capture with minor human edits",
    "screenCapture": "a screen capture",
    "dataDrivenMedia": "a visualisation of data",
    "virtualRecording": "a recording of a virtual event",
}


@dataclass(frozen=True)
class C2paParams:
    trust_anchors_path: str | None = None  # PEM bundle; falls back to $VERACITY_C2PA_TRUST_ANCHORS; none = none trusted


class C2paAnalyzer(Analyzer[C2paParams]):
    """Reads and validates C2PA Content Credentials, embedded or in a ``.c2pa`` sidecar, entirely offline."""

    info = AnalyzerInfo(
        id="provenance.c2pa",
        version="0.1.0",
        title="Content Credentials (C2PA)",
        summary="Validates a C2PA manifest: signer, trust, declared AI generation or capture, edits, tampering.",
        media_kinds=frozenset(MediaKind),
        requires=("c2pa",),
        extra="provenance",
        cost=1,
        fusion_weight=1.0,
    )

    Params = C2paParams

    def __init__(self, params: C2paParams | None = None) -> None:
        super().__init__(params)
        self._trust_pem: str | None = None

    def load(self) -> None:
        anchors = self.params.trust_anchors_path or env("c2pa_trust_anchors") or None
        if anchors:
            try:
                self._trust_pem = Path(anchors).read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise VeracityError(f"C2PA trust anchors {anchors!r} cannot be read as a PEM bundle ({exc})") from exc

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        try:
            manifest = read_manifest(ctx.path, media.container, self._trust_pem)
        except RemoteManifest as exc:
            return self.result(Status.OK, findings=[Finding(
                code="provenance.c2pa.remote_manifest",
                message="The file points to Content Credentials stored online. Veracity works offline and did not "
                "fetch them; check the file with an online verifier such as contentcredentials.org/verify.",
                direction=Direction.NEUTRAL, strength=0.0, data={"error": str(exc)[:300]},
            )])
        except UnreadableManifest as exc:
            return self.result(Status.OK, findings=[Finding(
                code="provenance.c2pa.unreadable",
                message="The file carries Content Credentials that cannot be read (damaged or unsupported), so "
                "they say nothing either way.",
                direction=Direction.NEUTRAL, strength=0.0, data={"error": str(exc)[:300]},
            )])
        if manifest is None:
            return self.not_applicable(
                "no Content Credentials (C2PA manifest) in the file or beside it; most files have none, so this "
                "is not evidence of anything"
            )
        findings = [_validation_finding(manifest), _manifest_finding(manifest)]
        declared = _declaration_finding(manifest)
        if declared is not None:
            findings.insert(0, declared)
        return self.result(Status.OK, p_synthetic=_p_synthetic(manifest), findings=findings)


def _ai_declarations(manifest: C2paManifest) -> list[Declaration]:
    return [d for d in manifest.declarations if d.source_type in AI_SOURCE_TYPES]


def _capture_declaration(manifest: C2paManifest) -> Declaration | None:
    captures = [d for d in manifest.declarations if d.source_type in CAPTURE_SOURCE_TYPES]
    return min(captures, key=lambda d: d.depth) if captures else None


def _intact(manifest: C2paManifest) -> bool:
    return manifest.state in (C2paState.TRUSTED, C2paState.UNTRUSTED)


def _p_synthetic(manifest: C2paManifest) -> float | None:
    if _ai_declarations(manifest):
        return _P_AI_DECLARED
    if manifest.state in (C2paState.SIGNATURE_INVALID, C2paState.CONTENT_CHANGED):
        return _P_TAMPERED
    if manifest.state is C2paState.MANIFEST_INVALID:
        return _P_MANIFEST_DAMAGED
    capture = _capture_declaration(manifest)
    if capture is None:
        return None
    if capture.depth > 0:
        return _P_CAPTURE_ANCESTOR
    return _P_CAPTURE_TRUSTED if manifest.state is C2paState.TRUSTED else _P_CAPTURE_UNTRUSTED


def _declaration_finding(manifest: C2paManifest) -> Finding | None:
    signer = _signer_words(manifest)
    ai = _ai_declarations(manifest)
    if ai:
        first = min(ai, key=lambda d: d.depth)
        where = "The file's own Content Credentials" if first.depth == 0 else (
            f"Content Credentials of an earlier version it was made from ({first.relationship or 'ingredient'}, "
            f"{first.depth} step{'s' if first.depth > 1 else ''} back)"
        )
        tool = f" by {first.software_agent}" if first.software_agent else ""
        caveat = "" if _intact(manifest) else " The credentials no longer validate (see the validation card), but " \
            "the declaration was made."
        return Finding(
            code="provenance.c2pa.ai_generated",
            message=f"{where} declare it {_SOURCE_WORDS[first.source_type]}{tool}, signed by {signer}. "
            f"A signer has no reason to claim AI generation falsely, so this settles the origin.{caveat}",
            direction=Direction.SYNTHETIC, strength=0.95 if _intact(manifest) else 0.9, decisive=True,
            data={"digital_source_type": first.source_type, "depth": first.depth,
                  "action": first.action, "software_agent": first.software_agent,
                  "all_declared": ", ".join(sorted({d.source_type for d in ai}))},
        )
    capture = _capture_declaration(manifest)
    if capture is None or not _intact(manifest):
        return None
    trusted = manifest.state is C2paState.TRUSTED
    later = "" if capture.depth == 0 else " The capture is an earlier version; this file was derived from it."
    return Finding(
        code="provenance.c2pa.capture_declared",
        message=f"Content Credentials signed by {signer} declare it {_SOURCE_WORDS[capture.source_type]}, and the "
        f"signature and content still match.{later} Provenance records where a file comes from, not whether what it "
        "shows is true; "
        + ("the signer is on the trusted list." if trusted else
           "the signer is not on a trusted list, so anyone could have made this claim."),
        direction=Direction.AUTHENTIC,
        strength=(0.6 if trusted else 0.35) * (1.0 if capture.depth == 0 else 0.6),
        data={"digital_source_type": capture.source_type, "depth": capture.depth, "trusted": trusted},
    )


def _signer_words(manifest: C2paManifest) -> str:
    who = manifest.signer or "an unnamed certificate"
    if manifest.issuer and manifest.issuer != manifest.signer:
        who = f"{who} ({manifest.issuer})"
    return who


def _trust_words(manifest: C2paManifest) -> str:
    if not manifest.trust_configured:
        return (f"No trust list is configured (set {TRUST_ANCHORS_ENV} to a PEM bundle of trust anchors), so no "
                "signer is treated as trusted: the signature proves the file is unchanged since signing, not who "
                "signed it.")
    return "The signing certificate does not chain to any configured trust anchor, so who signed it is unverified."


def _validation_finding(manifest: C2paManifest) -> Finding:
    signer = _signer_words(manifest)
    state = manifest.state
    codes = ", ".join(c for c in manifest.failure_codes if c != "signingCredential.untrusted") or "none"
    data: dict[str, JsonValue] = {
        "state": state.value, "library_state": manifest.validation_state, "failure_codes": codes,
        "signer": manifest.signer, "issuer": manifest.issuer, "signing_time": manifest.signing_time,
        "trust_anchors_configured": manifest.trust_configured, "source": manifest.source,
    }
    if manifest.identity_failures:
        data["identity_not_verified"] = ", ".join(manifest.identity_failures)
    identity = (" An attached creator-identity assertion (CAWG) could not be verified offline."
                if manifest.identity_failures else "")
    if state is C2paState.SIGNATURE_INVALID:
        return Finding(
            code="provenance.c2pa.signature_invalid",
            message=f"The Content Credentials' signature does not verify ({codes}): the manifest was altered or "
            "forged after it was signed, so nothing it says can be relied on.",
            direction=Direction.SYNTHETIC, strength=0.7, data=data,
        )
    if state is C2paState.CONTENT_CHANGED:
        return Finding(
            code="provenance.c2pa.content_changed",
            message=f"Content Credentials signed by {signer} are intact, but the file's content no longer matches "
            f"what was signed ({codes}): it was changed after signing, by a tool that did not record the change.",
            direction=Direction.SYNTHETIC, strength=0.75, data=data,
        )
    if state is C2paState.MANIFEST_INVALID:
        return Finding(
            code="provenance.c2pa.manifest_invalid",
            message=f"Parts of the Content Credentials do not match their recorded hashes or are missing ({codes}): "
            "the manifest was edited or damaged after signing.",
            direction=Direction.SYNTHETIC, strength=0.5, data=data,
        )
    if state is C2paState.TRUSTED:
        return Finding(
            code="provenance.c2pa.valid_trusted",
            message=f"Valid Content Credentials signed by {signer}, a signer on the configured trust list; the "
            f"content is unchanged since signing.{identity}",
            direction=Direction.NEUTRAL, strength=0.0, data=data,
        )
    return Finding(
        code="provenance.c2pa.valid_untrusted",
        message=f"Valid Content Credentials signed by {signer}; the content is unchanged since signing. "
        f"{_trust_words(manifest)}{identity}",
        direction=Direction.NEUTRAL, strength=0.0, data=data,
    )


def _manifest_finding(manifest: C2paManifest) -> Finding:
    actions = [a.removeprefix("c2pa.") for a in manifest.actions]
    action_words = ", ".join(dict.fromkeys(actions)) or "none recorded"
    source_types = sorted({d.source_type for d in manifest.declarations})
    chain = " + ".join(
        f"{i.title or 'untitled'} [{i.relationship or '?'}{', by ' + i.claim_generator if i.claim_generator else ''}]"
        for i in manifest.ingredients[:6]
    )
    parts = [f"Made with {manifest.claim_generator or 'an unnamed tool'}",
             f"signed {manifest.signing_time or 'at a time not recorded'}", f"actions: {action_words}"]
    if source_types:
        parts.append("declared source: " + ", ".join(f"{t} ({_SOURCE_WORDS.get(t, 'other')})" for t in source_types))
    else:
        parts.append("no digital source type declared")
    if chain:
        parts.append(f"ingredients: {chain}")
    broken = [i for i in manifest.ingredients if i.failure_codes]
    if broken:
        parts.append("an ingredient's credentials failed validation (" +
                     ", ".join(sorted({c for i in broken for c in i.failure_codes})) + ")")
    return Finding(
        code="provenance.c2pa.manifest",
        message="Content Credentials: " + "; ".join(parts) + ".",
        direction=Direction.NEUTRAL, strength=0.0,
        data={"claim_generator": manifest.claim_generator, "title": manifest.title,
              "actions": _scalars(dict.fromkeys(actions), 20), "digital_source_types": _scalars(source_types, 20),
              "ingredients": _scalars((f"{i.depth}:{i.relationship}:{i.title}" for i in manifest.ingredients), 20),
              "manifests": manifest.manifest_count, "signature_alg": manifest.signature_alg,
              "informational_codes": ", ".join(manifest.informational_codes)},
    )


def _scalars(values: Iterable[str], limit: int) -> list[JsonScalar]:
    return [v for v, _ in zip(values, range(limit), strict=False)]
