"""Link intake against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.server.conftest import SAMPLE_JPEG, wait_until_ended
from veracity.server.intake import IntakeError, IntakeLimits, check_url, download, is_platform_link

PHOTO = SAMPLE_JPEG.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/photo.jpg": (200, {"Content-Type": "image/jpeg"}, PHOTO),
        "/hop": (302, {"Location": "/photo.jpg"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/gone": (404, {}, b"not here"),
        "/lying-length": (200, {"Content-Type": "image/jpeg"}, PHOTO),
    }

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if self.path != "/lying-length":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


LOCAL = IntakeLimits(max_bytes=10 * 1024**2, timeout_s=10, allow_private=True)


def test_plain_download_and_redirect(site: str, tmp_path: Path) -> None:
    assert download(f"{site}/photo.jpg", tmp_path / "a", LOCAL).read_bytes() == PHOTO
    assert download(f"{site}/hop", tmp_path / "b", LOCAL).read_bytes() == PHOTO


def test_loopback_is_refused_unless_allowed(site: str, tmp_path: Path) -> None:
    with pytest.raises(IntakeError) as refused:
        download(f"{site}/photo.jpg", tmp_path / "a", IntakeLimits(10**7, 10, allow_private=False))
    assert refused.value.code == "url_refused" and "private or local" in str(refused.value)
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    ("path", "limits", "words"),
    [
        ("/to-file", LOCAL, "http"),
        ("/loop", LOCAL, "redirects"),
        ("/gone", LOCAL, "404"),
        ("/photo.jpg", IntakeLimits(max_bytes=1000, timeout_s=10, allow_private=True), "over the limit"),
        ("/lying-length", IntakeLimits(max_bytes=1000, timeout_s=10, allow_private=True), "limit"),
    ],
)
def test_bad_downloads_stop_with_a_reason(site: str, tmp_path: Path, path: str, limits: IntakeLimits,
                                          words: str) -> None:
    with pytest.raises(IntakeError, match=words):
        download(f"{site}{path}", tmp_path / "x", limits)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.jpg", "javascript:alert(1)",
                                 "http://user:pw@example.org/a.jpg", "https://"])
def test_only_plain_http_links_are_taken(url: str) -> None:
    with pytest.raises(IntakeError) as refused:
        check_url(url)
    assert refused.value.code == "url_refused"


def test_platform_links_go_through_yt_dlp_which_may_be_missing(monkeypatch, tmp_path: Path) -> None:
    assert is_platform_link("https://www.youtube.com/watch?v=abc") and is_platform_link("https://vm.tiktok.com/x")
    assert not is_platform_link("https://notyoutube.com/v.mp4")
    monkeypatch.setitem(sys.modules, "yt_dlp", None)
    with pytest.raises(IntakeError, match="yt-dlp"):
        download("https://x.com/someone/status/1", tmp_path / "x", LOCAL)


def test_link_submitted_to_the_api_is_fetched_and_analysed(make_client, site: str) -> None:
    client = make_client(allow_private_urls=True)
    response = client.post("/v1/analyses", json={"url": f"{site}/hop"})
    assert response.status_code == 202
    job = wait_until_ended(client, response.json()["id"])
    assert job["status"] == "done", job
    assert job["source"] == "url" and job["report"]["media"]["path"] == f"{site}/hop"

    broken = wait_until_ended(client, client.post("/v1/analyses", json={"url": f"{site}/gone"}).json()["id"])
    assert broken["status"] == "failed" and broken["error"]["code"] == "download_failed"


def test_api_refuses_local_links_by_default_and_when_intake_is_off(make_client, site: str) -> None:
    client = make_client(workers=0)
    refused = client.post("/v1/analyses", json={"url": f"{site}/photo.jpg"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "url_refused"
    assert client.post("/v1/analyses", json={"url": "file:///etc/passwd"}).status_code == 400
    assert client.post("/v1/analyses", json={"link": "x"}).status_code == 422
    off = make_client(workers=0, url_intake=False)
    disabled = off.post("/v1/analyses", json={"url": f"{site}/photo.jpg"})
    assert disabled.status_code == 403 and disabled.json()["error"]["code"] == "url_intake_disabled"
