from __future__ import annotations

from pathlib import Path

import pytest

from veracity.bench.manifest import ManifestError, read_manifest, select

HEADER = "split,category,label,kind,method,generator,path,source_repo,bytes,notes\n"


def test_rows_are_typed_and_unknown_labels_are_not_scored(tmp_path: Path) -> None:
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text(HEADER
                        + "visible,image,fake,image,t2i,SD,image/fake/a.png,o/r,1234,\"grid, big\"\n"
                        + "visible,provenance,unknown,image,,unknown,provenance/unknown/b.jpg,o/r,,\n")
    fake, unknown = read_manifest(manifest)
    assert (fake.category, fake.label, fake.y, fake.bytes, fake.notes) == ("image", "fake", 1, 1234, "grid, big")
    assert fake.labelled and not unknown.labelled and unknown.y is None and unknown.bytes is None
    with pytest.raises(AttributeError):
        fake.label = "real"  # type: ignore[misc]


def test_bad_manifests_name_the_problem(tmp_path: Path) -> None:
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text(HEADER + "visible,image,maybe,image,,,a.png,,,\n")
    with pytest.raises(ManifestError, match=r"MANIFEST.csv:2: label 'maybe'"):
        read_manifest(manifest)
    manifest.write_text("category,path\nimage,a.png\n")
    with pytest.raises(ManifestError, match="missing column"):
        read_manifest(manifest)
    with pytest.raises(ManifestError, match="cannot be read"):
        read_manifest(tmp_path / "absent.csv")


def test_limit_keeps_both_labels_per_category(tmp_path: Path) -> None:
    manifest = tmp_path / "MANIFEST.csv"
    lines = [f"visible,image,real,image,,,r{i}.jpg,,,\n" for i in range(5)]
    lines += [f"visible,image,fake,image,,,f{i}.jpg,,,\n" for i in range(5)]
    lines += ["visible,audio,real,audio,,,a.wav,,,\n"]
    manifest.write_text(HEADER + "".join(lines))
    rows = read_manifest(manifest)
    chosen = select(rows, limit=2)
    assert [r.path for r in chosen] == ["r0.jpg", "f0.jpg", "a.wav"]
    assert [r.path for r in select(rows, categories=["audio"])] == ["a.wav"]
