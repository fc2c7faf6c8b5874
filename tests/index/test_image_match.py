"""PDQ views find re-encoded, resized, cropped, mirrored, bordered and captioned copies, and nothing unrelated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pdqhash")

from veracity.index._pdq import hamming, picture_views, query_views, views_distance  # noqa: E402
from veracity.index.search import MAX_DISTANCE_BITS, match_file  # noqa: E402
from veracity.index.store import IndexStore  # noqa: E402
from veracity.testing.pictures import photo, save_jpeg  # noqa: E402
from veracity.testing.pictures import reupload_variants as image_variants  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("images")
    store = folder / "store.sqlite"
    originals = {name: save_jpeg(photo(name), folder / f"{name}.jpg") for name in PHOTOS}
    with IndexStore(store) as index:
        for path in originals.values():
            index.add_path(path)
    return store, originals


def test_hamming_counts_differing_bits() -> None:
    a = np.zeros((1, 32), np.uint8)
    b = np.zeros((2, 32), np.uint8)
    b[1, :3] = 0xFF
    assert hamming(a, b).tolist() == [[0, 24]]


def test_every_variant_is_closer_to_its_original_than_to_any_other_photo() -> None:
    stored = {name: picture_views(photo(name)) for name in ("coffee", "chelsea", "rocket")}
    for name in ("coffee", "chelsea"):
        for variant, rgb in image_variants(photo(name)).items():
            query = query_views(rgb)
            own = min(views_distance(q, stored[name]) for q in query)
            others = min(views_distance(q, stored[o]) for q in query for o in stored if o != name)
            assert own <= MAX_DISTANCE_BITS < others, (name, variant, own, others)


def test_match_finds_the_original_of_each_variant(indexed: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    store, originals = indexed
    for variant, rgb in image_variants(photo("astronaut")).items():
        query = save_jpeg(rgb, tmp_path / f"{variant}.jpg")
        result = match_file(query, store)
        found = {Path(p).name for c in result.copies for p in c.paths}
        assert "astronaut.jpg" in found, variant
        assert found == {"astronaut.jpg"}, (variant, found)


def test_unrelated_photos_do_not_match(indexed: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    store, _ = indexed
    for name in ("camera", "immunohistochemistry"):
        result = match_file(save_jpeg(photo(name), tmp_path / f"{name}.jpg"), store)
        assert result.copies == [], name


def test_identical_file_is_reported_as_identical(indexed: tuple[Path, dict[str, Path]]) -> None:
    store, originals = indexed
    result = match_file(originals["coffee"], store)
    assert [c.via for c in result.copies] == ["identical"]
    assert result.copies[0].similarity == 1.0
