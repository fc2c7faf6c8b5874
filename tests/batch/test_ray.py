"""``scan --ray``: files run as Ray tasks on a local Ray started here, results stream into the same store."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from veracity.batch.scan import scan
from veracity.batch.store import ResultStore
from veracity.samples import samples_dir

ray = pytest.importorskip("ray")
SAMPLES = samples_dir()


@pytest.fixture(scope="module")
def local_ray():  # type: ignore[no-untyped-def]
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


def test_scan_on_ray_fills_the_store_and_resumes(local_ray: None, tmp_path: Path) -> None:
    for name in ("camera_photo.jpg", "generated_parameters.png"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    (tmp_path / "empty.png").write_bytes(b"")
    store = tmp_path / "store.sqlite"
    first = scan([tmp_path], store_path=store, analyzer_ids=["provenance.metadata"], use_ray=True)
    assert first.analyzed == 2 and first.failed == 1 and first.indexed == 2
    with ResultStore(store) as results:
        labels = {Path(r.path).name: r.label for r in results.rows() if r.status == "ok"}
    assert labels["generated_parameters.png"] == "ai_generated"
    again = scan([tmp_path], store_path=store, analyzer_ids=["provenance.metadata"], use_ray=True)
    assert again.analyzed == 0 and again.skipped_done == 2
