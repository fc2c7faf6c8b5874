"""Copies are ordered by the earliest evidence of when they existed; copies whose verdict differs are flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("pdqhash")

from veracity.batch.store import ResultRow, ResultStore  # noqa: E402
from veracity.index.search import match_file  # noqa: E402
from veracity.index.store import IndexStore  # noqa: E402
from veracity.testing.pictures import jpeg_roundtrip as recompress  # noqa: E402
from veracity.testing.pictures import photo  # noqa: E402


def _save(rgb, path: Path, *, exif_time: str | None = None) -> Path:  # type: ignore[no-untyped-def]
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    if exif_time:
        exif.get_ifd(0x8769)[0x9003] = exif_time
    image.save(path, "JPEG", quality=85, exif=exif)
    return path


def test_order_by_earliest_evidence_and_flag_differing_verdicts(tmp_path: Path) -> None:
    rgb = photo("chelsea")
    store = tmp_path / "store.sqlite"
    late = _save(recompress(rgb, 60), tmp_path / "late_repost.jpg")  # indexed first, but no embedded time
    early = _save(rgb[:, ::-1], tmp_path / "camera_original.jpg", exif_time="2019:03:04 10:11:12")
    signed = _save(recompress(rgb, 80), tmp_path / "signed.jpg")
    with IndexStore(store) as index:
        index.add_path(late)
        index.add_path(early)
        index.add_path(signed)
    finding = {"code": "provenance.c2pa.manifest", "data": {"signed_time": "2020-01-01T00:00:00Z"}}
    c2pa_report = {"results": [{"findings": [finding]}]}
    with IndexStore(store) as index:
        shas = {Path(e.paths[0]).name: e.fingerprint.sha256 for e in index.entries()}
    with ResultStore(store) as results:
        results.put(ResultRow(shas["camera_original.jpg"], "sig", "default", str(early), "ok", label="authentic"))
        results.put(ResultRow(shas["late_repost.jpg"], "sig", "default", str(late), "ok", label="ai_generated"))
        results.put(ResultRow(shas["signed.jpg"], "sig", "default", str(signed), "ok", label="authentic",
                              report_json=json.dumps(c2pa_report)))

    query = tmp_path / "query.jpg"
    Image.fromarray(rgb[20:-20, 30:]).save(query, quality=70)
    result = match_file(query, store)
    names = [Path(c.paths[0]).name for c in result.copies]
    assert names == ["camera_original.jpg", "signed.jpg", "late_repost.jpg"]
    first, second, third = result.copies
    assert first.earliest_source == "EXIF DateTimeOriginal" and first.earliest_s.startswith("2019-03-04")
    assert second.earliest_source == "C2PA manifest time"
    assert third.earliest_source == "first seen by the index"
    # The query itself was never scanned: the reference is the earliest copy's verdict.
    assert [c.verdict_differs for c in result.copies] == [False, False, True]
