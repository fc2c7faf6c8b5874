from __future__ import annotations

import json
from pathlib import Path

from veracity.evidence import SCHEMA_VERSION, report_json_schema
from veracity.report.json_report import schema_json

CHECKED_IN = Path(__file__).resolve().parents[1] / "schema" / "report.schema.json"


def test_checked_in_schema_matches_the_types() -> None:
    assert CHECKED_IN.read_text() == schema_json(), "run `make schema` (and bump SCHEMA_VERSION if it changed)"


def test_report_validates_against_schema(sample_copy) -> None:
    import jsonschema

    from veracity import check

    report = check(sample_copy("camera_photo.jpg"))
    document = json.loads(report.model_dump_json())
    jsonschema.validate(document, report_json_schema())
    assert document["schema_version"] == SCHEMA_VERSION
    assert "content" not in json.dumps(document["results"])  # artifact bytes stay out of JSON
