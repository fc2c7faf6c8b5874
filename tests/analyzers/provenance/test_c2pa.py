from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("c2pa")
pytest.importorskip("cryptography")

from veracity.analyzers.base import AnalysisContext, AnalyzerInfo  # noqa: E402
from veracity.analyzers.provenance.c2pa import TRUST_ANCHORS_ENV, C2paAnalyzer, C2paParams  # noqa: E402
from veracity.evidence import AnalyzerResult, Direction, Status, VerdictLabel  # noqa: E402
from veracity.media.probe import probe  # noqa: E402
from veracity.scanner import Scanner  # noqa: E402

from ._c2pa_signing import (  # noqa: E402
    SigningCredentials,
    flip_pixel_data,
    flip_signature,
    jpeg_bytes,
    make_credentials,
    png_bytes,
    sign_asset,
    sign_jpeg,
    wav_bytes,
)


@pytest.fixture(scope="module")
def credentials() -> SigningCredentials:
    return make_credentials()


@pytest.fixture
def no_env_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRUST_ANCHORS_ENV, raising=False)


def _analyze(path: Path, params: C2paParams | None = None) -> AnalyzerResult:
    analyzer = C2paAnalyzer(params)
    analyzer.load()
    media = probe(path)
    return analyzer.analyze(media, AnalysisContext(media=media))


def _codes(result: AnalyzerResult) -> dict[str, object]:
    return {f.code: f for f in result.findings}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _anchors(tmp_path: Path, credentials: SigningCredentials) -> C2paParams:
    bundle = _write(tmp_path, "anchors.pem", credentials.root_pem)
    return C2paParams(trust_anchors_path=str(bundle))


def test_declared_ai_generation_is_decisive_and_untrusted_by_default(tmp_path, credentials, no_env_trust):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "trainedAlgorithmicMedia")
    result = _analyze(_write(tmp_path, "ai.jpg", signed))

    assert result.status is Status.OK
    findings = _codes(result)
    ai = findings["provenance.c2pa.ai_generated"]
    assert ai.decisive and ai.direction is Direction.SYNTHETIC
    assert ai.data["digital_source_type"] == "trainedAlgorithmicMedia"
    validation = findings["provenance.c2pa.valid_untrusted"]
    assert "No trust list is configured" in validation.message
    assert validation.data["signer"] == "Veracity Test Signer"
    assert result.p_synthetic is not None and result.p_synthetic > 0.9


@pytest.mark.parametrize(("name", "mime_type", "make"), [("ai.png", "image/png", png_bytes),
                                                          ("ai.wav", "audio/wav", wav_bytes)])
def test_other_formats_carry_credentials_too(tmp_path, credentials, no_env_trust, name, mime_type, make):
    signed, _ = sign_asset(credentials, make(), mime_type, "trainedAlgorithmicMedia")
    result = _analyze(_write(tmp_path, name, signed))

    assert _codes(result)["provenance.c2pa.ai_generated"].decisive
    assert "provenance.c2pa.valid_untrusted" in _codes(result)


def test_composite_with_ai_is_decisive_but_plain_algorithmic_media_is_not(tmp_path, credentials, no_env_trust):
    composite, _ = sign_jpeg(credentials, jpeg_bytes(1), "compositeWithTrainedAlgorithmicMedia")
    algorithmic, _ = sign_jpeg(credentials, jpeg_bytes(2), "algorithmicMedia")

    assert _codes(_analyze(_write(tmp_path, "c.jpg", composite)))["provenance.c2pa.ai_generated"].decisive
    plain = _analyze(_write(tmp_path, "a.jpg", algorithmic))
    assert not any(f.decisive for f in plain.findings)
    assert plain.p_synthetic is None
    assert "algorithmicMedia" in _codes(plain)["provenance.c2pa.manifest"].message


def test_trust_anchor_makes_the_signer_trusted(tmp_path, credentials, no_env_trust):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "digitalCapture")
    path = _write(tmp_path, "capture.jpg", signed)

    untrusted = _analyze(path)
    trusted = _analyze(path, _anchors(tmp_path, credentials))

    assert "provenance.c2pa.valid_untrusted" in _codes(untrusted)
    assert "provenance.c2pa.valid_trusted" in _codes(trusted)
    assert _codes(trusted)["provenance.c2pa.valid_trusted"].data["trust_anchors_configured"] is True
    # A declared capture leans authentic, more so when the signer is trusted; never decisive.
    for result in (untrusted, trusted):
        capture = _codes(result)["provenance.c2pa.capture_declared"]
        assert capture.direction is Direction.AUTHENTIC and not capture.decisive
        assert "not whether what it shows is true" in capture.message
    assert trusted.p_synthetic < untrusted.p_synthetic < 0.5


def test_trust_anchors_from_the_environment(tmp_path, credentials, monkeypatch):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "digitalCapture")
    monkeypatch.setenv(TRUST_ANCHORS_ENV, str(_write(tmp_path, "env.pem", credentials.root_pem)))

    assert "provenance.c2pa.valid_trusted" in _codes(_analyze(_write(tmp_path, "capture.jpg", signed)))


def test_content_changed_after_signing(tmp_path, credentials, no_env_trust):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "digitalCapture")
    result = _analyze(_write(tmp_path, "edited.jpg", flip_pixel_data(signed)))

    findings = _codes(result)
    changed = findings["provenance.c2pa.content_changed"]
    assert changed.direction is Direction.SYNTHETIC and not changed.decisive and changed.strength >= 0.7
    assert "assertion.dataHash.mismatch" in changed.message
    assert "provenance.c2pa.capture_declared" not in findings  # a broken file's capture claim counts for nothing
    assert result.p_synthetic > 0.5


def test_signature_invalid(tmp_path, credentials, no_env_trust):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "digitalCapture")
    result = _analyze(_write(tmp_path, "forged.jpg", flip_signature(signed)))

    invalid = _codes(result)["provenance.c2pa.signature_invalid"]
    assert invalid.direction is Direction.SYNTHETIC and not invalid.decisive
    assert "claimSignature.mismatch" in invalid.data["failure_codes"]


def test_no_manifest_is_not_applicable(tmp_path, no_env_trust):
    result = _analyze(_write(tmp_path, "plain.jpg", jpeg_bytes()))

    assert result.status is Status.NOT_APPLICABLE
    assert "not evidence" in result.reason


def test_sidecar_manifest_next_to_the_file(tmp_path, credentials, no_env_trust):
    image = jpeg_bytes(3)
    unchanged, store = sign_jpeg(credentials, image, "trainedAlgorithmicMedia", embed=False)
    assert unchanged == image  # nothing embedded
    path = _write(tmp_path, "photo.jpg", image)
    _write(tmp_path, "photo.jpg.c2pa", store)

    result = _analyze(path)

    assert _codes(result)["provenance.c2pa.valid_untrusted"].data["source"] == "sidecar"
    assert _codes(result)["provenance.c2pa.ai_generated"].decisive


def test_remote_manifest_is_not_fetched(tmp_path, credentials, no_env_trust):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "trainedAlgorithmicMedia", embed=False,
                          remote_url="https://example.invalid/manifest.c2pa")
    result = _analyze(_write(tmp_path, "remote.jpg", signed))

    assert result.status is Status.OK and result.p_synthetic is None
    assert _codes(result)["provenance.c2pa.remote_manifest"].direction is Direction.NEUTRAL


def test_declared_ai_settles_the_verdict(tmp_path, credentials, no_env_trust):
    signed, _ = sign_jpeg(credentials, jpeg_bytes(), "trainedAlgorithmicMedia")
    report = Scanner().check(_write(tmp_path, "ai.jpg", signed))

    assert report.verdict.label is VerdictLabel.AI_GENERATED
    assert report.verdict.method == "decisive:provenance.c2pa.ai_generated"


def test_missing_dependency_status_and_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: list(self.requires))
    report = Scanner(analyzer_ids=["provenance.c2pa"]).check(_write(tmp_path, "plain.jpg", jpeg_bytes()))

    (result,) = report.results
    assert result.status is Status.MISSING_DEPENDENCY
    assert "veracity[provenance]" in result.hint
