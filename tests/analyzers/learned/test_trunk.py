from __future__ import annotations

import numpy as np
import pytest

from veracity.analyzers.learned.trunk import OUTPUTS, PATCH_PX, WIDTHS, Trunk, native_patches
from veracity.models import registry


def test_shipped_trunk_matches_its_registry_hash() -> None:
    assert registry.state(registry.MODELS["mobilenetv2_trunk"]).verified


@pytest.mark.parametrize("shape", [(224, 224, 3), (1000, 750, 3), (300, 1400, 3), (120, 90, 3)])
def test_native_patches_have_the_asked_count_and_size(shape: tuple[int, int, int]) -> None:
    rgb = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    patches = native_patches(rgb, 8)
    assert patches.shape == (8, PATCH_PX, PATCH_PX, 3)
    assert patches.dtype == np.uint8


def test_native_patches_are_cut_without_resampling() -> None:
    rgb = np.random.default_rng(2).integers(0, 256, (600, 800, 3), dtype=np.uint8)
    for patch in native_patches(rgb, 6):
        found = False
        for y in range(0, 600 - PATCH_PX + 1):
            xs = np.flatnonzero((rgb[y, :, 0] == patch[0, 0, 0]) & (rgb[y, :, 1] == patch[0, 0, 1]))
            if any(x + PATCH_PX <= 800 and np.array_equal(rgb[y : y + PATCH_PX, x : x + PATCH_PX], patch) for x in xs):
                found = True
                break
        assert found


def test_trunk_features_are_finite_deterministic_and_content_dependent() -> None:
    trunk = Trunk.shipped()
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (2, PATCH_PX, PATCH_PX, 3), dtype=np.uint8)
    flat = np.full((1, PATCH_PX, PATCH_PX, 3), 128, dtype=np.uint8)
    batch = np.concatenate([noise, flat])
    first = trunk.features(batch)
    assert first.shape == (3, sum(WIDTHS[o] for o in OUTPUTS))
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, trunk.features(batch))
    assert not np.allclose(first[0], first[2])  # noise and a flat grey picture differ
    only = trunk.features(batch, outputs=("embedding",))
    np.testing.assert_allclose(only, first[:, -WIDTHS["embedding"]:], rtol=1e-5, atol=1e-5)


def test_trunk_refuses_a_wrongly_shaped_input() -> None:
    with pytest.raises(ValueError, match="RGB"):
        Trunk.shipped().features(np.zeros((2, 32, 32), dtype=np.uint8))
