"""CLI contracts under hostile input: output paths checked first, reports written as they are made, folder walks
that say what they skipped, and terminal lines that control characters in file names cannot hijack."""

from __future__ import annotations

import json
import os
from pathlib import Path

from veracity._printable import printable
from veracity.cli._check import ReportWriter
from veracity.config import Settings
from veracity.scanner import Scanner

from ..conftest import SAMPLES
from .test_check import veracity

FAST = "provenance.metadata"


def test_json_into_a_missing_folder_is_a_usage_error_before_any_analysis(tmp_path: Path) -> None:
    run = veracity("check", str(SAMPLES / "camera_photo.jpg"), "--json", str(tmp_path / "no" / "such" / "r.json"))
    assert run.returncode == 2 and "does not exist" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""  # nothing was analysed
    run = veracity("check", str(SAMPLES / "camera_photo.jpg"), "--html", str(tmp_path))
    assert run.returncode == 2 and "is a folder" in run.stderr


def test_reports_reach_the_file_as_each_one_is_made(tmp_path: Path) -> None:
    scanner = Scanner(Settings(), [FAST])
    report = scanner.check(SAMPLES / "camera_photo.jpg")
    lines_path, doc_path = tmp_path / "r.jsonl", tmp_path / "r.json"
    lines, doc = ReportWriter(str(lines_path), many=True), ReportWriter(str(doc_path), many=True)
    lines.add(report)
    doc.add(report)
    # before close, as a kill would leave them: every finished report is on disk
    assert json.loads(lines_path.read_text().splitlines()[0])["media"]["sha256"] == report.media.sha256
    assert json.loads(doc_path.read_text() + "]")[0]["media"]["sha256"] == report.media.sha256
    lines.add(report)
    doc.add(report)
    lines.close()
    doc.close()
    assert len(lines_path.read_text().splitlines()) == 2
    assert len(json.loads(doc_path.read_text())) == 2


def test_check_folder_skips_non_media_and_says_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes((SAMPLES / "camera_photo.jpg").read_bytes())
    (tmp_path / "notes.txt").write_text("case notes\n")
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "deleted.jpg")
    os.mkfifo(tmp_path / "pipe.mp4")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    run = veracity("check", str(tmp_path), "-q", "--analyzers", FAST, "--json", str(tmp_path / "out.jsonl"))
    assert run.returncode == 0, run.stderr
    notes = [line for line in run.stderr.splitlines() if line.startswith("note: ")]
    assert any(str(tmp_path / "gone.jpg") in n and "does not exist" in n for n in notes)
    assert any(str(tmp_path / "pipe.mp4") in n and "FIFO" in n for n in notes)
    assert any(str(tmp_path / "sub" / "up") in n and "loop" in n for n in notes)
    assert any("1 file(s) whose names say they are not media" in n for n in notes)
    reports = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [Path(r["media"]["path"]).name for r in reports] == ["photo.jpg"]


def test_control_characters_in_file_names_never_reach_the_terminal(tmp_path: Path) -> None:
    hostile = tmp_path / "evil\x1b]0;owned\x07\x1b[2J\u202egpj.jpg"
    hostile.write_bytes((SAMPLES / "camera_photo.jpg").read_bytes())
    broken = tmp_path / "bad\x1b[31m\nerror: forged.jpg"
    broken.write_bytes(b"\xff")
    run = veracity("check", str(hostile), str(broken), "--analyzers", FAST)
    assert run.returncode == 4, run.stderr
    for stream in (run.stdout, run.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
    assert "\\x1b]0;owned\\x07" in run.stdout and "\\u202e" in run.stdout
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "\\n" in errors[0]  # the forged second line stays inside the first


def test_printable_escapes_what_a_terminal_would_obey() -> None:
    assert printable("a\tb\nc\rd\x1b[0m\x7f\x9b\u200f\u2066ok é 日本") == \
        "a\\tb\\nc\\rd\\x1b[0m\\x7f\\x9b\\u200f\\u2066ok é 日本"
