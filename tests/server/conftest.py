from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("python_multipart")

from fastapi.testclient import TestClient  # noqa: E402

from veracity.samples import samples_dir  # noqa: E402
from veracity.server import ServerConfig, create_app  # noqa: E402

# Cheap analyzers keep each job short; ELA is there where a test needs evidence pictures.
FAST_ANALYZERS = ("provenance.metadata",)
PICTURE_ANALYZERS = ("provenance.metadata", "image.ela")
SAMPLE_JPEG = samples_dir() / "camera_photo.jpg"


def config_for(data_dir: Path, **overrides: Any) -> ServerConfig:
    values: dict[str, Any] = {"data_dir": data_dir, "workers": 1, "analyzers": FAST_ANALYZERS}
    values.update(overrides)
    return ServerConfig(**values)


@pytest.fixture()
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """Start an app (lifespan included) on ``tmp_path/data``; every client is closed at the end."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(config_for(tmp_path / "data", **overrides)), base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def upload(client: TestClient, path: Path = SAMPLE_JPEG, name: str | None = None, **kwargs: Any) -> Any:
    with path.open("rb") as handle:
        return client.post("/v1/analyses", files={"file": (name or path.name, handle, "application/octet-stream")},
                           **kwargs)


def wait_until_ended(client: TestClient, job_id: str, timeout_s: float = 30.0, **kwargs: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/v1/analyses/{job_id}", **kwargs).json()
        if body["status"] in ("done", "failed"):
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end within {timeout_s} s: {body}")
