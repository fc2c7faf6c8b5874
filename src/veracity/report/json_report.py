from __future__ import annotations

import json
from pathlib import Path

from veracity.evidence import Report, report_json_schema


def report_to_json(report: Report, *, indent: int | None = 2) -> str:
    return report.model_dump_json(indent=indent)


def reports_to_json(reports: list[Report], *, indent: int | None = 2) -> str:
    if len(reports) == 1:
        return report_to_json(reports[0], indent=indent)
    return "[" + ",\n".join(report_to_json(r, indent=indent) for r in reports) + "]"


def schema_json() -> str:
    return json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n"


def write_artifacts(report: Report, directory: Path) -> Report:
    """Write every artifact as a file named by its sha256 and return the report with their paths filled in."""
    directory.mkdir(parents=True, exist_ok=True)
    results = []
    for result in report.results:
        artifacts = []
        for artifact in result.artifacts:
            suffix = {"image/png": ".png", "image/jpeg": ".jpg", "image/svg+xml": ".svg"}.get(artifact.mime_type, "")
            target = directory / f"{artifact.sha256[:16]}{suffix}"
            if artifact.content and not target.exists():
                target.write_bytes(artifact.content)
            artifacts.append(artifact.model_copy(update={"path": str(target)}))
        results.append(result.model_copy(update={"artifacts": tuple(artifacts)}))
    return report.model_copy(update={"results": tuple(results)})
