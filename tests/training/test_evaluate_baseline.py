"""The baseline runner's tables from a bench run whose answers are known."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from training import corpora, evaluate_baseline


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    with (folder / "MANIFEST.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["split", "category", "label", "kind", "generator", "path", "source_repo"])
        for i in range(8):
            label = "fake" if i % 2 else "real"
            writer.writerow(["visible", "image", label, "image", "gen" if i % 2 else "", f"image/{i}.jpg", f"r{i}"])
    return folder


def _item(i: int) -> dict[str, object]:
    fake = bool(i % 2)
    verdict = "ai_generated" if fake and i > 4 else ("inconclusive" if i in (2, 3) else "authentic")
    return {"path": f"image/{i}.jpg", "error": None, "p_synthetic": 0.8 if fake else 0.2, "verdict": verdict,
            "analyzers": {"learned.ai_image": 0.6 if i in (1, 3, 4) else 0.4, "image.ela": 0.9}}


def test_fused_figures_come_from_the_verdict_and_analyzers_from_p(tmp_path: Path) -> None:
    rows = corpora.read_corpus("unseen", _corpus(tmp_path / "corpus"))
    result = evaluate_baseline.evaluate_run({"items": [_item(i) for i in range(8)]}, rows, "plain", shortcuts=False)
    fused = result["tables"]["fused"]["image"]
    assert fused["auc"] == 1.0 and fused["fpr_real"] == 0.0
    assert fused["tpr"] == 0.5  # fakes 5 and 7 called; 1 and 3 not
    assert fused["inconclusive"] == 0.25  # files 2 and 3
    alone = result["tables"]["learned.ai_image"]["image"]
    assert alone["fpr_real"] == 0.25 and alone["tpr"] == 0.5 and alone["inconclusive"] == 0.0  # p >= 0.5: 1, 3, 4
    assert "image.ela" not in result["tables"]  # not a learned analyzer
    assert result["per_generator_fused"]["image/gen"]["tpr"] == 0.5


def test_the_runner_reads_given_bench_files_and_writes_its_tables(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    bench = tmp_path / "plain.json"
    bench.write_text(json.dumps({"items": [_item(i) for i in range(8)], "config": {"launder": False}}))
    out = tmp_path / "out"
    argv = ["--bench", f"plain={bench}", "--variants", "plain", "--no-shortcuts", "--out", str(out),
            "--unseen-corpus", str(corpus)]
    assert evaluate_baseline.main(argv) == 0
    written = json.loads((out / "baseline.json").read_text())
    assert set(written["variants"]) == {"plain"} and written["variants"]["plain"]["files"] == 8
    assert "| image | fused | 1.00 | 0.00 | 0.50 | 0.25 | 4 / 4 |" in (out / "baseline.md").read_text()
