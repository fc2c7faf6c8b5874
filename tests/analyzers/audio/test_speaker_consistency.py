from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from veracity.analyzers.base import AnalyzerInfo
from veracity.evidence import Direction, Status
from veracity.scanner import Scanner

from .conftest import espeak, read_wav, write_wav

FIRST = ("The committee will meet again on Thursday to discuss the budget for next year. "
         "Scientists have found a new species of frog in the mountains of Peru.")
INSERT = "Please bring your passport."
LAST = ("We walked along the beach until the sun went down behind the old lighthouse. "
        "My grandmother used to bake bread every Sunday before church.")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One voice throughout, and the same recording with a sentence by a different (lower) voice pasted in."""
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    folder = tmp_path_factory.mktemp("speakers")
    parts = {name: espeak(folder / f"{name}.wav", text) for name, text in
             (("first", FIRST), ("insert", INSERT), ("last", LAST))}
    subprocess.run(["sox", str(parts["insert"]), str(folder / "other.wav"), "pitch", "-700"], check=True)
    same = [read_wav(parts[n])[0] for n in ("first", "insert", "last")]
    other = read_wav(folder / "other.wav")[0]
    rate = read_wav(parts["first"])[1]
    return {"same": write_wav(folder / "same.wav", np.concatenate(same), rate),
            "spliced": write_wav(folder / "spliced.wav", np.concatenate([same[0], other, same[2]]), rate),
            "insert_at_s": len(same[0]) / rate, "insert_end_s": (len(same[0]) + len(other)) / rate}  # type: ignore[dict-item]


def test_a_pasted_in_voice_is_found_where_it_is(clips: dict) -> None:
    pytest.importorskip("torch")
    if importlib.util.find_spec("resemblyzer") is None:  # only its weights file is used, never imported
        pytest.skip("resemblyzer is not installed")
    scanner = Scanner(analyzer_ids=["audio.speaker_consistency"])
    same = scanner.check(clips["same"]).results[0]
    assert same.status is Status.OK and same.findings[0].code == "audio.speaker_consistency.same_voice"
    spliced = scanner.check(clips["spliced"]).results[0]
    finding = spliced.findings[0]
    assert finding.code == "audio.speaker_consistency.voice_change" and finding.direction is Direction.SYNTHETIC
    assert clips["insert_at_s"] - 1.0 <= finding.locus.start_s <= clips["insert_end_s"]
    assert finding.locus.end_s <= clips["insert_end_s"] + 1.6
    assert spliced.p_synthetic is not None and spliced.p_synthetic > 0.5


def test_missing_torch_names_the_voice_embed_extra(monkeypatch: pytest.MonkeyPatch, clips: dict) -> None:
    monkeypatch.setattr(AnalyzerInfo, "missing_modules", lambda self: ["torch"])
    result = Scanner(analyzer_ids=["audio.speaker_consistency"]).check(clips["same"]).results[0]
    assert result.status is Status.MISSING_DEPENDENCY and "veracity[voice-embed]" in (result.hint or "")
