"""The TAEF2 round trip that makes learned.ai_image's aligned training fakes (training only; torch tests skip without
torch, the weight test without a local clone of madebyollin/taesd)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from training.manipulations import latent_autoencoder as ae


def test_missing_weights_name_the_repository_commit_and_hashes(tmp_path: Path) -> None:
    with pytest.raises(ae.WeightsMissing) as raised:
        ae.read_weights(tmp_path / "nowhere")
    message = str(raised.value)
    assert ae.REPOSITORY in message and ae.COMMIT in message
    assert all(name in message and sha in message for name, sha in ae.WEIGHTS.values())


def test_files_that_are_not_the_pinned_weights_are_refused(tmp_path: Path) -> None:
    for name, _ in ae.WEIGHTS.values():
        (tmp_path / name).write_bytes(b"not the weights")
    with pytest.raises(ae.WeightsMissing, match=hashlib.sha256(b"not the weights").hexdigest()):
        ae.read_weights(tmp_path)


def test_random_crop_stays_inside_and_keeps_small_pictures_whole() -> None:
    rng = np.random.default_rng(0)
    big = np.arange(700 * 900 * 3, dtype=np.uint32).reshape(700, 900, 3)
    crop = ae.random_crop(big, rng, 512)
    assert crop.shape == (512, 512, 3)
    top, left = np.argwhere(big[..., 0] == crop[0, 0, 0])[0]
    assert np.array_equal(big[top:top + 512, left:left + 512], crop)
    small = big[:300, :200]
    assert ae.random_crop(small, rng, 512).shape == small.shape


def _textured_picture(height: int, width: int) -> np.ndarray:
    """A smooth gradient with a few hard edges and fine noise, like a small photo."""
    yy, xx = np.mgrid[0:height, 0:width].astype(float)
    rgb = np.stack([xx / width * 200 + 20, yy / height * 180 + 40, 120 + 60 * np.sin(xx / 9) * np.cos(yy / 13)], -1)
    rgb[height // 3: height // 2, width // 4: width // 2] = (230, 40, 40)
    rgb += np.random.default_rng(1).normal(0, 4, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def test_the_network_has_the_published_layout() -> None:
    pytest.importorskip("torch")
    model = ae.build()
    encoder, decoder = model.encoder.state_dict(), model.decoder.state_dict()
    assert encoder["0.weight"].shape == (ae.WIDTH, 3, 3, 3)
    assert encoder[f"{len(model.encoder) - 1}.weight"].shape == (ae.LATENT_CHANNELS, ae.WIDTH, 3, 3)
    assert decoder["1.weight"].shape == (ae.WIDTH, ae.LATENT_CHANNELS, 3, 3)
    assert sum(v.numel() for v in encoder.values()) > 1e6 and sum(v.numel() for v in decoder.values()) > 1e6


def test_a_round_trip_keeps_the_content_and_changes_the_pixels() -> None:
    pytest.importorskip("torch")
    source = ae.default_source()
    try:
        model = ae.load(source)
    except ae.WeightsMissing:
        pytest.skip(f"no local clone of {ae.REPOSITORY} at {source}")
    rgb = _textured_picture(203, 170)  # not multiples of 8: cropped to 200 x 168
    out = ae.reconstruct(model, rgb)
    assert out.shape == (200, 168, 3) and out.dtype == np.uint8
    reference = rgb[:200, :168].astype(float)
    error = np.abs(out.astype(float) - reference)
    assert error.mean() < 12  # the content survives (a few grey levels off on average)
    assert (error > 2).mean() > 0.2  # but most pixels are redrawn by the decoder
    flat = np.full_like(rgb[:200, :168], 128)
    assert np.abs(out.astype(float) - flat).mean() > 4 * error.mean()  # closer to its source than to grey
