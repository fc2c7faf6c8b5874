"""Requests generated from the app's own OpenAPI document (schemathesis): no 500s, answers match the document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from tests.server.conftest import config_for  # noqa: E402
from veracity.server import create_app  # noqa: E402

TOKEN = "openapi-test-token"


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # No workers: generated uploads queue up without costing analysis time. With a token, so that
    # schemathesis also checks that requests without it, or with a wrong one, are refused.
    app = create_app(config_for(Path(tmp_path_factory.mktemp("openapi")), workers=0, queue_max=100_000,
                                api_token=TOKEN))
    with TestClient(app):
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_documented_and_generated(schema: Any) -> None:
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert {"POST /v1/analyses", "GET /v1/analyses/{job_id}", "DELETE /v1/analyses/{job_id}", "GET /healthz",
            "GET /v1/analyzers", "GET /v1/analyses/{job_id}/report.html"} <= labels


def test_api_matches_its_openapi_document(schema: Any) -> None:
    # positive_data_acceptance is left out: a well-formed link may still be refused by policy (private host).
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"},
                                   excluded_checks=[positive_data_acceptance])

        check()
