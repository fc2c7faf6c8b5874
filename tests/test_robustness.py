from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from veracity.evidence import VerdictLabel
from veracity.media.damage import strip_jpeg, strip_png
from veracity.robustness import check_robustness
from veracity.scanner import Scanner

from .conftest import SAMPLES


def test_robustness_on_a_sample_reports_every_variant_and_a_stability_flag() -> None:
    scanner = Scanner(analyzer_ids=["provenance.metadata", "image.ela"])
    original = scanner.check(SAMPLES / "spliced_photo.jpg")
    check = check_robustness(scanner, original)
    assert [v.name for v in check.variants] == ["recompressed", "downscaled", "metadata_stripped", "combined"]
    assert all(v.error is None and v.label in VerdictLabel for v in check.variants)
    assert check.verdict_stable == all(v.verdict_holds for v in check.variants)
    assert check.max_abs_shift == max(abs(v.p_shift) for v in check.variants)
    stripped = next(v for v in check.variants if v.name == "metadata_stripped")
    assert stripped.p_shift == 0.0  # ELA sees the same compressed data; this sample has no metadata signal


def test_declared_ai_origin_does_not_survive_stripping() -> None:
    scanner = Scanner(analyzer_ids=["provenance.metadata"])
    original = scanner.check(SAMPLES / "generated_parameters.png")
    assert original.verdict.label is VerdictLabel.AI_GENERATED
    check = check_robustness(scanner, original)
    stripped = next(v for v in check.variants if v.name == "metadata_stripped")
    assert not stripped.verdict_holds and stripped.lost_findings
    assert stripped.p_shift < 0 and not check.verdict_stable


def test_jpeg_stripping_drops_exif_and_keeps_pixels() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=90, exif=exif.tobytes(), comment=b"note")
    stripped = strip_jpeg(buffer.getvalue())
    assert b"CameraMaker" in buffer.getvalue() and b"CameraMaker" not in stripped and b"note" not in stripped
    before = np.asarray(Image.open(io.BytesIO(buffer.getvalue())))
    after = np.asarray(Image.open(io.BytesIO(stripped)))
    assert np.array_equal(before, after)


def test_png_stripping_drops_text_chunks_and_keeps_pixels() -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a prompt, Steps: 20")
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", pnginfo=info)
    stripped = strip_png(buffer.getvalue())
    assert b"Steps" not in stripped
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(stripped))), rgb)


def test_cli_json_has_the_robustness_section(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from veracity.cli.app import app

    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    run = CliRunner().invoke(app, ["check", str(SAMPLES / "camera_photo.jpg"), "--robustness", "--analyzers",
                                   "provenance.metadata", "--json", str(out), "--html", str(html), "-q"])
    assert run.exit_code == 0, run.output
    section = json.loads(out.read_text())["robustness"]
    assert {v["name"] for v in section["variants"]} == {"recompressed", "downscaled", "metadata_stripped", "combined"}
    assert isinstance(section["verdict_stable"], bool)
    assert "Robustness self-check" in html.read_text()


def test_robustness_is_an_option_of_every_entry_point(tmp_path: Path) -> None:
    import veracity
    from veracity.batch.scan import analyzer_signature, scan
    from veracity.batch.store import ResultStore
    from veracity.config import Settings

    cheap = ["provenance.metadata"]
    api = veracity.check(SAMPLES / "generated_parameters.png", analyzers=cheap, robustness=True)
    assert api.robustness is not None and not api.robustness.verdict_stable  # stripping loses the declaration
    assert veracity.check(SAMPLES / "generated_parameters.png", analyzers=cheap).robustness is None
    robust = Settings(robustness=True)  # what the server (VERACITY_ROBUSTNESS) and `scan --robustness` carry
    assert Scanner(robust, cheap).check(SAMPLES / "camera_photo.jpg").robustness is not None
    assert analyzer_signature(robust, cheap) != analyzer_signature(Settings(), cheap)  # a robust rescan is not "done"
    summary = scan([SAMPLES / "tone.wav"], store_path=tmp_path / "s.sqlite", settings=robust, analyzer_ids=cheap,
                   workers=1, index=False)
    assert summary.analyzed == 1
    with ResultStore(tmp_path / "s.sqlite") as results:
        report = json.loads(next(iter(results.rows())).report_json or "{}")
    assert [v["name"] for v in report["robustness"]["variants"]] == ["recompressed"]
