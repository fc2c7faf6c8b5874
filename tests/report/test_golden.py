"""Golden report snapshots of the bundled samples, compared without timings, paths and exact scores.

A change here means an analyzer's output changed on purpose: regenerate with VERACITY_UPDATE_GOLDEN=1 and review
the diff. A change to the report's shape also bumps SCHEMA_VERSION (tests/test_schema.py checks the schema).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from veracity import check
from veracity.evidence import Report
from veracity.fusion import METHOD

from ..conftest import SAMPLES

GOLDEN = Path(__file__).parent / "golden"


def _essentials(report: Report) -> dict[str, object]:
    return {
        "schema_version": report.schema_version,
        "media": {"kind": report.media.kind.value, "container": report.media.container,
                  "size": [report.media.width, report.media.height], "sha256": report.media.sha256},
        # Soft-evidence labels can sit near the inconclusive band's edge; decisive ones cannot.
        "verdict": {"method": report.verdict.method,
                    "label": report.verdict.label.value if report.verdict.method != METHOD else None,
                    # What could not be checked follows from the analyzers' statuses, not from scores.
                    "missing": list(report.verdict.missing),
                    # The top reason is fixed when one finding decides; soft ones can swap places on a refit.
                    "top_reason": report.verdict.contributions[0].finding_code
                    if report.verdict.method != METHOD and report.verdict.contributions else None},
        "results": {
            r.analyzer_id: {
                "status": r.status.value,
                "gives_probability": r.p_synthetic is not None,
                # A finding's direction is kept only when it clearly leans one way.
                "findings": sorted(f"{f.code}:{f.direction.value if f.strength >= 0.05 else '~'}"
                                   f"{':decisive' if f.decisive else ''}" for f in r.findings),
            }
            for r in report.results
        },
    }


@pytest.mark.parametrize("name", ["camera_photo.jpg", "generated_parameters.png", "tone.wav"])
def test_report_matches_golden_snapshot(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERACITY_MODEL_DIR", str(tmp_path))  # no fetched model, whatever this machine has fetched
    actual = _essentials(check(SAMPLES / name))
    target = GOLDEN / f"{name}.json"
    if os.environ.get("VERACITY_UPDATE_GOLDEN"):
        target.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(target.read_text())
