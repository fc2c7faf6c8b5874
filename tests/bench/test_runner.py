from __future__ import annotations

import csv
import io
import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console
from typer.testing import CliRunner

from veracity.bench.manifest import ManifestError
from veracity.bench.runner import run_bench
from veracity.samples import samples_dir

FAST_ANALYZERS = ["provenance.metadata", "image.ela"]


def _tone(path: Path, frequency_hz: float) -> None:
    rate = 16_000
    t = np.arange(rate) / rate
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((0.3 * np.sin(2 * np.pi * frequency_hz * t) * 32767).astype("<i2").tobytes())


@pytest.fixture()
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    rows = [
        ("image", "real", "image", "image/real/photo.jpg"),
        ("image", "fake", "image", "image/fake/generated.png"),
        ("image", "real", "image", "image/real/broken.jpg"),
        ("audio", "real", "audio", "audio/real/tone.wav"),
        ("audio", "fake", "audio", "audio/fake/other_tone.wav"),
        ("video", "fake", "video", "video/fake/shapes.mp4"),
    ]
    for _, _, _, path in rows:
        (corpus / path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(samples_dir() / "camera_photo.jpg", corpus / "image/real/photo.jpg")
    shutil.copy(samples_dir() / "generated_parameters.png", corpus / "image/fake/generated.png")
    (corpus / "image/real/broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 3)
    shutil.copy(samples_dir() / "tone.wav", corpus / "audio/real/tone.wav")
    _tone(corpus / "audio/fake/other_tone.wav", 523.0)
    shutil.copy(samples_dir() / "moving_shapes.mp4", corpus / "video/fake/shapes.mp4")
    with (corpus / "MANIFEST.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["split", "category", "label", "kind", "method", "generator", "path", "source_repo"])
        for category, label, kind, path in rows:
            generator = "camera" if label == "real" else "test generator"
            writer.writerow(["visible", category, label, kind, "x", generator, path, "owner/repo"])
    return corpus


def test_bench_records_every_file_and_a_broken_one_as_an_error(tiny_corpus: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    result = run_bench(tiny_corpus, json_out=tmp_path / "bench.json", analyzers=FAST_ANALYZERS,
                       console=Console(file=out, width=160))
    written = json.loads((tmp_path / "bench.json").read_text())
    assert set(written) == {"metrics", "analyzer_auc", "items", "config"}
    assert written["config"]["launder"] is False and written["config"]["tool_version"]
    items = {Path(i["path"]).name: i for i in written["items"]}
    assert len(items) == 6
    assert items["broken.jpg"]["error"] and items["broken.jpg"]["p_synthetic"] is None
    for name, item in items.items():
        if name != "broken.jpg":
            assert item["error"] is None, item
            assert 0.0 <= item["p_synthetic"] <= 1.0
            assert item["verdict"] in ("ai_generated", "authentic", "inconclusive")
            assert set(item) >= {"path", "category", "label", "kind", "generator", "source_repo", "seconds",
                                 "media_seconds", "analyzers"}
    assert items["tone.wav"]["media_seconds"] > 0 and items["photo.jpg"]["media_seconds"] is None
    assert set(written["metrics"]) == {"image", "audio", "video", "all"}
    image = written["metrics"]["image"]
    assert (image["n_real"], image["n_fake"], image["n_errors"]) == (2, 1, 1)
    assert written["metrics"]["all"]["n_errors"] == 1
    assert written["metrics"]["video"]["roc_auc"] is None  # fakes only: no AUC
    assert "provenance.metadata" in written["analyzer_auc"]
    assert result["metrics"] == written["metrics"]
    printed = out.getvalue()
    assert "image" in printed and "broken.jpg" in printed and "AUC" in printed


def test_laundered_bench_analyses_the_reencoded_copies(tiny_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = run_bench(tiny_corpus, launder=True, launder_cache=cache, analyzers=FAST_ANALYZERS,
                       categories=["image", "audio"], quiet=True)
    items = {Path(i["path"]).name: i for i in result["items"]}
    assert set(items) == {"photo.jpg", "generated.png", "broken.jpg", "tone.wav", "other_tone.wav"}
    assert items["broken.jpg"]["error"].startswith("launder failed")
    assert items["generated.png"]["container"] == "jpeg" and items["tone.wav"]["container"] == "mp3"
    assert items["generated.png"]["launder_seconds"] is not None
    assert result["config"]["launder"] is True
    assert len(list(cache.rglob("*.jpg"))) == 2 and len(list(cache.rglob("*.mp3"))) == 2


def test_cli_rejects_an_unknown_category(tiny_corpus: Path) -> None:
    from veracity.cli.app import app

    outcome = CliRunner().invoke(app, ["bench", str(tiny_corpus), "--category", "nope", "--workers", "1",
                                       "--timeout-s", "30"])
    assert outcome.exit_code == 2
    assert "unknown category nope" in outcome.output


def test_neutral_bench_analyses_square_copies(tiny_corpus: Path, tmp_path: Path) -> None:
    result = run_bench(tiny_corpus, launder="neutral", launder_cache=tmp_path / "cache", analyzers=FAST_ANALYZERS,
                       categories=["image"], quiet=True)
    items = {Path(i["path"]).name: i for i in result["items"]}
    assert items["generated.png"]["container"] == "jpeg" and items["photo.jpg"]["error"] is None
    assert result["config"]["launder"] is True and result["config"]["launder_recipe"] == "neutral"
    assert {Image.open(p).size for p in (tmp_path / "cache").rglob("*.jpg")} == {(512, 512)}


def test_an_unknown_laundering_recipe_is_a_usage_error(tiny_corpus: Path) -> None:
    with pytest.raises(ManifestError, match="recipe"):
        run_bench(tiny_corpus, launder="sepia", analyzers=FAST_ANALYZERS, quiet=True)


@pytest.mark.parametrize(("option", "recipe"), [(["--launder"], "platform"), (["--launder", "neutral"], "neutral")])
def test_cli_launder_takes_an_optional_recipe(tiny_corpus: Path, tmp_path: Path, option: list[str],
                                              recipe: str) -> None:
    from veracity.cli.app import app, launder_alone_means_platform

    out = tmp_path / "bench.json"
    argv = ["bench", str(tiny_corpus), *option, "--category", "audio", "--analyzers", "provenance.metadata",
            "--launder-cache", str(tmp_path / "cache"), "--json", str(out)]
    outcome = CliRunner().invoke(app, launder_alone_means_platform(argv))
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(out.read_text())["config"]["launder_recipe"] == recipe
    assert launder_alone_means_platform(["bench", "--launder", "c"]) == ["bench", "--launder", "platform", "c"]
