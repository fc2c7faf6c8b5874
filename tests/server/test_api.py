"""The REST API end to end in-process: upload, progress, report, limits, auth, deletion, restarts."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

from tests.server.conftest import PICTURE_ANALYZERS, config_for, upload, wait_until_ended
from veracity.server.pool import WorkerPool, sweep
from veracity.server.store import JobStore


def test_upload_is_analysed_and_its_report_served(make_client, tmp_path: Path) -> None:
    client = make_client(analyzers=PICTURE_ANALYZERS)
    response = upload(client)
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.headers["location"] == f"/v1/analyses/{job_id}"

    job = wait_until_ended(client, job_id)
    assert job["status"] == "done", job
    assert set(job["progress"]["analyzers"]) == set(PICTURE_ANALYZERS)
    assert set(job["progress"]["analyzers"].values()) == {"done"}
    report = job["report"]
    assert report["media"]["path"] == "camera_photo.jpg"  # the person's name, not the stored one
    assert job["verdict"] == {"label": report["verdict"]["label"], "p_synthetic": report["verdict"]["p_synthetic"]}

    stored = list((tmp_path / "data" / "uploads").iterdir())
    assert len(stored) == 1 and "camera" not in stored[0].name and stored[0].suffix == ""

    html = client.get(job["links"]["report_html"])
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "camera_photo.jpg" in html.text
    assert client.get(job["links"]["report_json"]).json()["verdict"] == report["verdict"]

    artifact_paths = [a["path"] for r in report["results"] for a in r["artifacts"]]
    assert artifact_paths, "ELA makes evidence pictures"
    picture = client.get(artifact_paths[0])
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert client.get(job["links"]["preview"]).content.startswith(b"\xff\xd8")
    assert client.get(f"/v1/analyses/{job_id}/artifacts/{'0' * 64}").status_code == 404

    listing = client.get("/v1/analyses").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == job_id
    assert listing["items"][0]["report"] is None  # pages stay small
    assert client.get("/healthz").json()["status"] == "ok"
    analyzers = {a["id"]: a for a in client.get("/v1/analyzers").json()}
    assert analyzers["image.ela"]["enabled"] is True


def test_upload_over_the_limit_gets_413_with_a_json_body(make_client, tmp_path: Path) -> None:
    client = make_client(max_upload_bytes=2000)
    response = upload(client)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"
    assert not list((tmp_path / "data" / "uploads").iterdir())
    assert client.get("/v1/analyses").json()["total"] == 0


def test_a_file_that_is_not_media_is_refused_at_upload_by_its_content(make_client, tmp_path: Path) -> None:
    client = make_client()
    junk = tmp_path / "holiday.jpg"
    junk.write_bytes(b"this is text pretending to be a photo\n" * 50)
    response = upload(client, junk)
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_media"
    assert "holiday.jpg" in error["message"] and "readable" in error["message"]
    assert not list((tmp_path / "data" / "uploads").iterdir())
    assert client.get("/v1/analyses").json()["total"] == 0


def test_media_over_the_pixel_limit_is_refused_before_decoding(make_client, tmp_path: Path) -> None:
    from veracity.config import Limits, Settings

    client = make_client(settings=Settings(limits=Limits(max_pixels=1000)))
    response = upload(client)
    assert response.status_code == 413 and response.json()["error"]["code"] == "media_too_large"


def test_malformed_requests_get_json_errors(make_client) -> None:
    client = make_client()
    wrong_type = client.post("/v1/analyses", content=b"abc", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415 and wrong_type.json()["error"]["code"] == "unsupported_content_type"
    no_file = client.post("/v1/analyses", files={"other": ("a.txt", b"abc")})
    assert no_file.status_code == 422 and "file" in no_file.json()["error"]["message"]
    empty = client.post("/v1/analyses", files={"file": ("a.jpg", b"")})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty_file"
    missing = client.get("/v1/analyses/" + "f" * 32)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/v1/analyses?limit=0").json()["error"]["code"] == "invalid_request"


def test_token_guards_every_v1_route(make_client) -> None:
    client = make_client(api_token="s3cret", workers=0)
    for method, path in (("get", "/v1/analyses"), ("get", "/v1/analyzers"), ("get", "/v1/analyses/" + "a" * 32),
                         ("delete", "/v1/analyses/" + "a" * 32)):
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthorized"
    assert upload(client).status_code == 401
    assert client.get("/v1/analyses", headers={"Authorization": "Bearer wrong"}).status_code == 401
    good = {"Authorization": "Bearer s3cret"}
    assert client.get("/v1/analyses", headers=good).status_code == 200
    assert upload(client, headers=good).status_code == 202
    assert client.get("/healthz").status_code == 200 and client.get("/").status_code == 200


def test_delete_removes_upload_and_results(make_client, tmp_path: Path) -> None:
    client = make_client()
    job = wait_until_ended(client, upload(client).json()["id"])
    job_dir = tmp_path / "data" / "jobs" / job["id"]
    assert (job_dir / "report.json").exists()
    assert client.delete(f"/v1/analyses/{job['id']}").status_code == 204
    assert client.get(f"/v1/analyses/{job['id']}").status_code == 404
    assert not job_dir.exists() and not list((tmp_path / "data" / "uploads").iterdir())
    assert client.delete(f"/v1/analyses/{job['id']}").status_code == 404


def test_full_queue_answers_429(make_client) -> None:
    client = make_client(workers=0, queue_max=1)
    assert upload(client).status_code == 202
    refused = upload(client)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "queue_full"
    assert "retry-after" in refused.headers


def test_queued_and_interrupted_jobs_survive_a_restart(make_client, tmp_path: Path) -> None:
    first = make_client(workers=0)
    queued_id = upload(first).json()["id"]
    retried_id = upload(first).json()["id"]
    exhausted_id = upload(first).json()["id"]
    first.__exit__(None, None, None)
    # As if the server had been killed mid-run: one job on its first attempt, one on its last.
    with sqlite3.connect(tmp_path / "data" / "jobs.sqlite3") as db:
        db.execute("UPDATE jobs SET status='running', attempts=1 WHERE id=?", (retried_id,))
        db.execute("UPDATE jobs SET status='running', attempts=2 WHERE id=?", (exhausted_id,))

    second = make_client(workers=1)
    assert wait_until_ended(second, queued_id)["status"] == "done"
    retried = wait_until_ended(second, retried_id)
    assert retried["status"] == "done" and retried["attempts"] == 2
    exhausted = second.get(f"/v1/analyses/{exhausted_id}").json()
    assert exhausted["status"] == "failed" and exhausted["error"]["code"] == "interrupted"
    second.__exit__(None, None, None)

    third = make_client(workers=0)
    again = third.get(f"/v1/analyses/{queued_id}").json()
    assert again["status"] == "done" and again["report"]["verdict"]["label"]
    assert third.get(f"/v1/analyses/{queued_id}/report.html").status_code == 200


def test_a_job_past_its_time_limit_is_stopped_and_failed(make_client) -> None:
    client = make_client(job_timeout_s=2, analyzers=("tests.batch.fakes:StuckAnalyzer",))
    job = wait_until_ended(client, upload(client).json()["id"])
    assert job["status"] == "failed" and job["error"]["code"] == "timeout"
    assert client.get("/healthz").json()["status"] == "ok"


def test_retention_deletes_old_uploads_but_keeps_reports(make_client, tmp_path: Path) -> None:
    client = make_client()
    job = wait_until_ended(client, upload(client).json()["id"])
    state = client.app.state.veracity
    sweep(state.config, state.store, state.pool, now_s=time.time() + 25 * 3600)
    assert not list((tmp_path / "data" / "uploads").iterdir())
    assert client.get(f"/v1/analyses/{job['id']}").json()["status"] == "done"


def test_cors_is_off_by_default(make_client) -> None:
    client = make_client(workers=0)
    response = client.get("/v1/analyses", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in response.headers
    allowed = make_client(workers=0, cors_origins=("https://newsroom.example",))
    response = allowed.get("/v1/analyses", headers={"Origin": "https://newsroom.example"})
    assert response.headers["access-control-allow-origin"] == "https://newsroom.example"


def test_web_page_is_served_without_external_resources(make_client) -> None:
    client = make_client(workers=0)
    page = client.get("/")
    assert page.status_code == 200 and "Check a file or a link" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    loads_remote = re.compile(
        r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import|fetch\(\s*["'`]https?:"""
    )
    for text in (page.text, client.get("/static/app.js").text, client.get("/static/app.css").text):
        assert not loads_remote.search(text)


def test_store_claims_each_job_once(tmp_path: Path) -> None:
    from veracity.server.store import Job, new_job_id

    store = JobStore(tmp_path / "jobs.sqlite3")
    for _ in range(3):
        store.add(Job(id=new_job_id(), status="queued", source="upload", name="x", url=None,
                      input_path=str(tmp_path / "x"), created_at=time.time()))
    claimed = [store.claim_next() for _ in range(4)]
    assert claimed[3] is None
    assert len({job.id for job in claimed[:3]}) == 3
    assert all(job.status == "running" and job.attempts == 1 for job in claimed[:3])
    pool = WorkerPool(config_for(tmp_path), store)
    assert pool.job_dir("abc") == tmp_path / "jobs" / "abc"
    assert json.loads(json.dumps(store.get(claimed[0].id).progress)) == {}
