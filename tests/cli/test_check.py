from __future__ import annotations

import json
import math
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


def test_analyzers_says_what_each_profile_skips_and_which_are_not_installed(tmp_path: Path) -> None:
    from veracity.analyzers import registry
    from veracity.config import PROFILE_MAX_COST, Profile

    env = {**os.environ, "COLUMNS": "200", "VERACITY_MODEL_DIR": str(tmp_path / "no-models")}
    listing = subprocess.run([sys.executable, "-m", "veracity", "analyzers"], capture_output=True, text=True, env=env,
                             timeout=120).stdout
    slow = sorted(a for a, cls in registry.available().items() if cls.info.cost > PROFILE_MAX_COST[Profile.DEFAULT])
    assert slow and f"default profile skips as slow: {', '.join(slow)}" in listing
    fetched = sorted(a for a, cls in registry.available().items()
                     if cls.info.missing(tmp_path / "no-models") is not None)  # models fetched into an empty store
    assert fetched, "a fetched model is declared by some analyzer"
    line = next(line for line in listing.splitlines() if line.startswith("not installed"))
    assert all(a in line for a in fetched) and "image.ela" not in line


def test_version_flag_prints_the_version() -> None:
    from veracity import __version__

    run = veracity("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"veracity {__version__}"


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file per fusion model, made in code: a camera photo, a picture whose metadata declares its generator
    (decisive), a clip without a face, a clip of a face, synthetic speech."""
    folder = tmp_path_factory.mktemp("every_kind")
    files = {name: SAMPLES / name for name in ("camera_photo.jpg", "generated_parameters.png", "moving_shapes.mp4")}
    pytest.importorskip("mediapipe")
    from training.manipulations.face_swap import astronaut_clip, write_clip

    files["face.mp4"] = write_clip(folder / "face.mp4", astronaut_clip(frames=24))
    from veracity.testing import sound

    if sound.has_espeak():
        files["speech.wav"] = sound.espeak(folder / "speech.wav")
    return files


@pytest.mark.parametrize("name", ["camera_photo.jpg", "generated_parameters.png", "moving_shapes.mp4", "face.mp4",
                                  "speech.wav"])
def test_terminal_leads_with_the_largest_contribution_and_shows_the_sum(every_kind: dict[str, Path], name: str,
                                                                         tmp_path: Path) -> None:
    if name not in every_kind:
        pytest.skip("espeak-ng is not installed (scripts/install-system-deps.sh)")
    out = tmp_path / "report.json"
    shown = veracity("check", str(every_kind[name]), "--json", str(out))
    assert shown.returncode == 0, shown.stderr
    verdict = json.loads(out.read_text())["verdict"]
    lines = shown.stdout.splitlines()
    assert any(f"— {verdict['p_synthetic']:.0%} likely AI-made" in line for line in lines)  # the banner
    assert "Why this verdict" in shown.stdout or "Why inconclusive" in shown.stdout
    assert "Canon Canon" not in shown.stdout
    if not verdict["contributions"]:
        assert "What weighed" not in shown.stdout
        return
    start = next(i for i, line in enumerate(lines) if "What weighed" in line)
    lead = max(verdict["contributions"], key=lambda c: (c["decisive"], abs(c["log_odds"])))
    weighed = lead["decisive"] or abs(lead["log_odds"]) >= 0.005
    assert lead["name"] in lines[start + 1] if weighed else "check(s) that carry no weight here" in lines[start + 1]
    end = next(i for i in range(start, len(lines)) if "total →" in lines[i])
    assert f"total → {verdict['p_synthetic']:.0%} likely AI-made" in lines[end]
    # the rows shown (contributions, the rest folded into one line, the starting point) add up to the total
    rows = [m.group(1) for line in lines[start + 1:end + 1] if (m := re.match(r"^ {4}\s*([+−]\d+\.\d\d) ", line))]
    values = [float(v.replace("−", "-")) for v in rows]
    assert abs(values[0]) == pytest.approx(round(abs(lead["log_odds"]), 2), abs=0.011)  # the lead row is the largest
    assert round(sum(values[:-1]), 2) == values[-1] == round(verdict["log_odds"], 2)  # exactly, as printed
    # the printed sum is the banner's probability (within what two decimals of log-odds can say)
    assert 1 / (1 + math.exp(-values[-1])) == pytest.approx(verdict["p_synthetic"], abs=0.0025)


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
