"""Reports for people and programs: JSON (with a schema), a self-contained HTML page, a terminal summary."""

from veracity.report.json_report import report_to_json, write_artifacts

__all__ = ["report_to_json", "write_artifacts"]
