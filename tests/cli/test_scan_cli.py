"""``veracity scan``, ``veracity index add`` and ``veracity match`` end to end, in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ..conftest import SAMPLES

pytest.importorskip("pdqhash")


def veracity(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "veracity", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_scan_export_then_match_a_copy(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(SAMPLES / "camera_photo.jpg", media / "camera_photo.jpg")
    shutil.copy(SAMPLES / "generated_parameters.png", media / "generated_parameters.png")
    (media / "empty.jpg").write_bytes(b"")
    run = veracity("scan", "media", "--workers", "1", "--analyzers", "provenance.metadata", "--export", "csv",
                   "--out", "out.csv", cwd=tmp_path)
    assert run.returncode == 4, run.stderr  # one file failed, the others were analysed
    assert "skipped (already done)" in run.stdout and "ai_generated" in run.stdout
    rows = {Path(r["path"]).name: r for r in csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8"))}
    assert rows["generated_parameters.png"]["label"] == "ai_generated"
    # one plain line that says why; none for a file that failed
    assert rows["generated_parameters.png"]["explanation"].startswith("Metadata: ")
    assert "provenance." not in rows["generated_parameters.png"]["explanation"]
    assert rows["empty.jpg"]["explanation"] == ""
    assert rows["empty.jpg"]["status"] == "error"
    assert (tmp_path / "veracity.sqlite").exists()

    again = veracity("scan", "media", "--workers", "1", "--analyzers", "provenance.metadata", "-q", cwd=tmp_path)
    assert again.returncode == 4

    photo = np.asarray(Image.open(SAMPLES / "camera_photo.jpg").convert("RGB"))
    h, w = photo.shape[:2]
    Image.fromarray(np.ascontiguousarray(photo[h // 10: -h // 10, ::-1])).save(tmp_path / "repost.jpg", quality=60)
    found = veracity("match", "repost.jpg", "--json", "-", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    copies = json.loads(found.stdout)["copies"]
    assert [Path(c["paths"][0]).name for c in copies] == ["camera_photo.jpg"]
    assert copies[0]["earliest_source"] == "EXIF DateTimeOriginal"
    assert copies[0]["label"] is not None


def test_index_add_then_match(tmp_path: Path) -> None:
    run = veracity("index", "add", str(SAMPLES / "spliced_photo.jpg"), "--store", "s.sqlite", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    found = veracity("match", str(SAMPLES / "spliced_photo.jpg"), "--store", "s.sqlite", cwd=tmp_path)
    assert found.returncode == 0 and "identical" in found.stdout and "not scanned" in found.stdout


def test_match_with_no_copy_says_so_instead_of_an_empty_table(tmp_path: Path) -> None:
    assert veracity("index", "add", str(SAMPLES / "camera_photo.jpg"), "--store", "s.sqlite", cwd=tmp_path
                    ).returncode == 0
    found = veracity("match", str(SAMPLES / "tone.wav"), "--store", "s.sqlite", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert "No near copies of" in found.stdout and "┃" not in found.stdout


def test_matched_time_ranges_never_start_before_zero() -> None:
    from types import SimpleNamespace

    from veracity.cli._index import _fmt_range

    text = _fmt_range(SimpleNamespace(query_start_s=-0.2, query_end_s=7.6, copy_start_s=None, copy_end_s=None))
    assert text == "0.0–7.6 s → still"
