"""Resumable batch scanning with the local pool: results land in the store, finished files are skipped on the
next run, failures are recorded and the scan goes on, a crashing worker costs only its own file."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from veracity.batch.scan import analyzer_signature, scan
from veracity.batch.store import ResultStore, export_rows
from veracity.config import Settings
from veracity.errors import MissingExtra
from veracity.samples import samples_dir

SAMPLES = samples_dir()
CHEAP = ["provenance.metadata"]


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    for name in ("camera_photo.jpg", "generated_parameters.png", "tone.wav"):
        shutil.copy(SAMPLES / name, media / name)
    (media / "empty.jpg").write_bytes(b"")
    return media


def test_scan_records_results_and_errors_then_resumes(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    first = scan([folder], store_path=store, analyzer_ids=CHEAP, workers=2)
    assert first.analyzed == 3 and first.failed == 1 and first.skipped_done == 0
    assert "empty" in first.failures[str(folder / "empty.jpg")]
    assert first.by_label["ai_generated"] == 1  # the PNG with generator parameters
    assert first.indexed == 3

    shutil.copy(SAMPLES / "spliced_photo.jpg", folder / "new.jpg")
    shutil.copy(SAMPLES / "tone.wav", folder / "tone_copy.wav")  # same content as a finished file
    second = scan([folder], store_path=store, analyzer_ids=CHEAP, workers=2)
    assert second.skipped_done == 4 and second.analyzed == 1
    assert second.failed == 1  # failures are retried, and fail again

    with ResultStore(store) as results:
        rows = list(results.rows())
    ok = {r.path for r in rows if r.status == "ok"}
    assert {Path(p).name for p in ok} == {"camera_photo.jpg", "generated_parameters.png", "tone.wav", "new.jpg"}
    report = json.loads(next(r.report_json for r in rows if r.path.endswith("generated_parameters.png")))
    assert report["verdict"]["label"] == "ai_generated"


def test_other_analyzers_or_profile_mean_not_done(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    scan([folder / "tone.wav"], store_path=store, analyzer_ids=CHEAP, workers=1, index=False)
    again = scan([folder / "tone.wav"], store_path=store, analyzer_ids=CHEAP, workers=1, index=False,
                 settings=Settings(profile="fast"))
    assert again.analyzed == 1 and again.skipped_done == 0
    assert analyzer_signature(Settings(), CHEAP).startswith("provenance.metadata@")


def test_export_csv_and_jsonl(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    summary = scan([folder], store_path=store, analyzer_ids=CHEAP, workers=1, index=False)
    with ResultStore(store) as results:
        rows = list(results.rows(summary.sha256s))
    assert export_rows(rows, "csv", tmp_path / "out.csv") == 4
    table = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert {r["status"] for r in table} == {"ok", "error"}
    export_rows(rows, "jsonl", tmp_path / "out.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(1 for x in lines if x["report"] is not None) == 3
    try:
        export_rows(rows, "parquet", tmp_path / "out.parquet")
    except MissingExtra as exc:
        assert "veracity[parquet]" in str(exc)
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(tmp_path / "out.parquet").num_rows == 4


SLEEPY = "tests.batch.fakes:SleepyAnalyzer"


def test_a_file_that_hangs_is_killed_at_the_time_limit_and_the_scan_goes_on(folder: Path, tmp_path: Path) -> None:
    (folder / "sleep.jpg").write_bytes((SAMPLES / "camera_photo.jpg").read_bytes() + b"other content")
    settings = Settings(file_timeout_s=4, analyzer_timeout_s=3600)  # the analyzer's own limit never fires
    summary = scan([folder], store_path=tmp_path / "store.sqlite", settings=settings, analyzer_ids=[SLEEPY],
                   workers=2, index=False)
    assert summary.analyzed == 3 and summary.failed == 2, summary.failures  # the hang and the empty file
    assert "stopped after the 4 s per-file time limit" in summary.failures[str(folder / "sleep.jpg")]
    with ResultStore(tmp_path / "store.sqlite") as results:
        statuses = {Path(r.path).name: r.status for r in results.rows()}
    assert statuses["sleep.jpg"] == "error" and statuses["tone.wav"] == "ok"


def test_done_files_missing_from_the_index_are_only_fingerprinted(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    scan([folder / "camera_photo.jpg"], store_path=store, analyzer_ids=CHEAP, workers=1, index=False)
    again = scan([folder / "camera_photo.jpg"], store_path=store, analyzer_ids=CHEAP, workers=1)
    assert again.skipped_done == 1 and again.analyzed == 0 and again.indexed == 1
    with ResultStore(store) as results:
        assert [r.status for r in results.rows()] == ["ok"]
