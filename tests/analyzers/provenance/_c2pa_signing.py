"""Test-only helpers: a throw-away ES256 CA chain and a signer that embeds C2PA manifests, all made in memory."""

from __future__ import annotations

import datetime as dt
import io
import struct
from dataclasses import dataclass

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class SigningCredentials:
    chain_pem: bytes  # leaf then intermediate-free root
    key_pem: bytes
    root_pem: bytes


def make_credentials() -> SigningCredentials:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Veracity Test")])

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=not sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=sign, crl_sign=sign,
                             encipher_only=False, decipher_only=False)

    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name("Veracity Test Root")).issuer_name(name("Veracity Test Root"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage(sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name("Veracity Test Signer")).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return SigningCredentials(
        chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        root_pem=root.public_bytes(pem),
    )


def jpeg_bytes(seed: int = 0, size_px: int = 96) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = (rng.random((size_px, size_px, 3)) * 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def manifest_json(source_type: str | None, action: str = "c2pa.created") -> dict[str, object]:
    entry: dict[str, object] = {"action": action, "softwareAgent": "veracity-tests"}
    if source_type:
        entry["digitalSourceType"] = IPTC + source_type
    return {
        "claim_generator_info": [{"name": "veracity-tests", "version": "1.0"}],
        "title": "fixture.jpg",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [entry]}}],
    }


def sign_jpeg(
    credentials: SigningCredentials, image: bytes, source_type: str | None, *, embed: bool = True,
    remote_url: str | None = None,
) -> tuple[bytes, bytes]:
    return sign_asset(credentials, image, "image/jpeg", source_type, embed=embed, remote_url=remote_url)


def sign_asset(
    credentials: SigningCredentials, asset: bytes, mime_type: str, source_type: str | None, *, embed: bool = True,
    remote_url: str | None = None,
) -> tuple[bytes, bytes]:
    """Sign ``asset``; return (the output file's bytes, the manifest store bytes). No time-stamp authority."""
    import c2pa

    context = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}})
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, credentials.chain_pem, credentials.key_pem, None)
    )
    builder = c2pa.Builder(manifest_json(source_type), context)
    if remote_url:
        builder.set_remote_url(remote_url)
    if not embed:
        builder.set_no_embed()
    out = io.BytesIO()
    store = builder.sign(signer, mime_type, io.BytesIO(asset), out)
    return out.getvalue(), bytes(store)


def flip_pixel_data(signed: bytes) -> bytes:
    """Change one byte of the JPEG scan data, after the manifest (APP11) segments: a hash mismatch, signature fine."""
    data = bytearray(signed)
    data[len(data) - 64] ^= 0xFF
    return bytes(data)


def flip_signature(signed: bytes) -> bytes:
    """Change one byte of the COSE claim signature (inside the ``c2pa.signature`` JUMBF box's CBOR payload)."""
    data = bytearray(signed)
    label = data.find(b"c2pa.signature")
    cbor = data.find(b"cbor", label)
    box_end = cbor - 4 + struct.unpack(">I", bytes(data[cbor - 4:cbor]))[0]
    data[box_end - 10] ^= 0x01
    return bytes(data)


def png_bytes() -> bytes:
    import numpy as np
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.full((48, 64, 3), 128, np.uint8)).save(out, "PNG")
    return out.getvalue()


def wav_bytes(sample_rate_hz: int = 8000) -> bytes:
    import wave

    import numpy as np

    samples = (np.sin(np.arange(sample_rate_hz) * 2 * np.pi * 440 / sample_rate_hz) * 8000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate_hz)
        handle.writeframes(samples.tobytes())
    return out.getvalue()
