"""JPEG ghosts from DCT coefficients agree with real re-saves."""

from __future__ import annotations

import numpy as np

from tests.analyzers.image._manipulate import jpeg_roundtrip, photo
from veracity.analyzers.image._double_jpeg import resave_differences, resave_differences_pixels

QUALITIES = (50, 60, 70, 80, 90)


def test_the_dct_estimate_follows_real_resaves_block_by_block() -> None:
    for name in ("astronaut", "coffee"):
        picture = jpeg_roundtrip(photo(name), 92)
        estimated = resave_differences(picture, QUALITIES)
        real = resave_differences_pixels(picture, QUALITIES)
        assert estimated.shape == real.shape
        ratio = float(np.median(estimated / (real + 1e-3)))
        assert 0.8 < ratio < 1.25
        assert np.corrcoef(np.log(estimated + 0.1).ravel(), np.log(real + 0.1).ravel())[0, 1] > 0.9
        # the error grows as the quality falls, in both
        assert list(np.argsort(-np.median(estimated.reshape(len(QUALITIES), -1), axis=1))) == list(
            range(len(QUALITIES)))


def test_a_region_saved_before_at_a_quality_shows_its_dip_there() -> None:
    twice = jpeg_roundtrip(jpeg_roundtrip(photo("coffee"), 60), 92)
    curve = np.median(resave_differences(twice, (50, 55, 60, 65, 70)).reshape(5, -1), axis=1)
    assert int(np.argmin(curve[1:4])) == 1  # 60 is lower than its neighbours 55 and 65


def test_the_chroma_subsampling_shortcut_is_numpys_mean_bit_for_bit() -> None:
    from veracity.analyzers.image._dct import _half, _ycbcr

    _y, cb, cr = _ycbcr(jpeg_roundtrip(photo("astronaut"), 92))
    for plane in (cb, cr):
        expected = plane.reshape(plane.shape[0] // 2, 2, plane.shape[1] // 2, 2).mean(axis=(1, 3))
        assert np.array_equal(_half(plane), expected)
