from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import SAMPLES


def veracity(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "veracity", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_check_sample_writes_json_and_html(tmp_path: Path) -> None:
    html_path = tmp_path / "r.html"
    run = veracity("check", str(SAMPLES / "generated_parameters.png"), "--json", "-", "--html", str(html_path))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["verdict"]["label"] == "ai_generated"
    assert report["media"]["kind"] == "image"
    page = html_path.read_text()
    assert "AI-generated or manipulated" in page and "<script src" not in page and "http://" not in page


def test_fail_on_exits_1_for_pipelines() -> None:
    run = veracity("check", str(SAMPLES / "generated_parameters.png"), "--fail-on", "ai_generated", "-q")
    assert run.returncode == 1


@pytest.mark.parametrize("name", ["empty", "random", "text_as_mp4", "truncated_mp4", "pixel_bomb",
                                  "zero_length_video"])
def test_single_bad_input_is_one_line_on_stderr_with_exit_3(bad_inputs: dict[str, Path], name: str) -> None:
    run = veracity("check", str(bad_inputs[name]), "-q")
    assert run.returncode == 3, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad_inputs[name]) in lines[0]
    assert "Traceback" not in run.stderr


def test_missing_path_exit_3(tmp_path: Path) -> None:
    run = veracity("check", str(tmp_path / "nothing-here.mp4"), "-q")
    assert run.returncode == 3 and "no such file" in run.stderr and "Traceback" not in run.stderr


def test_batch_with_bad_files_analyzes_the_rest_and_exits_4(bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    folder = bad_inputs["empty"].parent
    (folder / "good.jpg").write_bytes((SAMPLES / "camera_photo.jpg").read_bytes())
    locked = folder / "locked"
    locked.mkdir()
    (locked / "secret.jpg").write_bytes((SAMPLES / "camera_photo.jpg").read_bytes())
    (locked / "secret.jpg").chmod(0)
    out = tmp_path / "out.json"
    run = veracity("check", str(folder), "--json", str(out), "-q")
    assert run.returncode == 4, run.stderr
    reports = json.loads(out.read_text())
    analysed = {Path(r["media"]["path"]).name for r in reports}
    assert "good.jpg" in analysed
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    expected_failures = len(bad_inputs) + (0 if os.geteuid() == 0 else 1)  # root can read mode-000 files
    assert len(errors) == expected_failures
    assert "Traceback" not in run.stderr


def test_usage_errors_exit_2() -> None:
    assert veracity("check", str(SAMPLES / "tone.wav"), "--profile", "warp").returncode == 2
    assert veracity("check", str(SAMPLES / "tone.wav"), "--analyzers", "no.such").returncode == 2
    assert veracity("check").returncode == 2


def test_schema_and_analyzers_commands() -> None:
    schema = json.loads(veracity("schema").stdout)
    assert schema["title"] == "Veracity report"
    listing = veracity("analyzers")
    assert listing.returncode == 0 and "image.ela" in listing.stdout and "provenance.metadata" in listing.stdout


def test_version_flag_prints_the_version() -> None:
    from veracity import __version__

    run = veracity("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"veracity {__version__}"


def test_terminal_leads_with_the_largest_contribution_and_shows_the_sum() -> None:
    run = veracity("check", str(SAMPLES / "camera_photo.jpg"), "--json", "-")
    report = json.loads(run.stdout)
    shown = veracity("check", str(SAMPLES / "camera_photo.jpg"))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "What weighed" in line)
    lead = report["verdict"]["contributions"][0]
    assert lead["name"] in lines[start + 1] and f"{abs(lead['log_odds']):.2f}" in lines[start + 1]
    end = next(i for i in range(start, len(lines)) if "total →" in lines[i])
    assert f"{report['verdict']['p_synthetic']:.0%}" in lines[end]
    # the rows shown (contributions, the rest folded into one line, the starting point) add up to the total
    rows = [m.group(1) for line in lines[start + 1:end + 1] if (m := re.match(r"^ {4}\s*([+−]\d+\.\d\d) ", line))]
    values = [float(v.replace("−", "-")) for v in rows]
    assert round(sum(values[:-1]), 2) == values[-1]  # exactly, as printed
    assert "Why this verdict" in shown.stdout or "Why inconclusive" in shown.stdout
    assert "Canon Canon" not in shown.stdout


@pytest.mark.skipif(not any(Path(p).exists() for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")),
                    reason="needs Debian's chromium (scripts/install-system-deps.sh)")
def test_pdf_prints_the_report_on_a4(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    run = veracity("check", str(SAMPLES / "spliced_photo.jpg"), "--pdf", str(pdf), "-q")
    assert run.returncode == 0, run.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)  # A4 in points


def test_pdf_without_a_browser_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "VERACITY_CHROMIUM": str(tmp_path / "no-such-browser")}
    run = subprocess.run([sys.executable, "-m", "veracity", "check", str(SAMPLES / "tone.wav"), "--pdf",
                          str(tmp_path / "r.pdf")], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2 and "apt install chromium" in run.stderr


def test_batch_html_keeps_the_evidence_pictures(tmp_path: Path) -> None:
    # Several files run in isolated workers, whose reports travel as JSON (pictures as paths): they must come back.
    page_path, json_path = tmp_path / "batch.html", tmp_path / "batch.json"
    run = veracity("check", str(SAMPLES / "spliced_photo.jpg"), str(SAMPLES / "camera_photo.jpg"),
                   "--analyzers", "image.ela,provenance.metadata", "--html", str(page_path), "--json", str(json_path),
                   "-q")
    assert run.returncode == 0, run.stderr
    page = page_path.read_text()
    assert len(re.findall(r"<a class='zoom' href='#pic-\d+'[^>]*><img src='data:image/\w+;base64,", page)) >= 2
    reports = json.loads(json_path.read_text())
    assert all(a["path"] is None for r in reports for res in r["results"] for a in res["artifacts"])
