"""The server against hostile clients: foreign Host and Origin, oversized link bodies, slow connections, uploads
that make the media check fail, private addresses in disguise, and who may read the data folder."""

from __future__ import annotations

import ipaddress
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.conftest import SAMPLE_JPEG, upload, wait_until_ended
from veracity.server._guard import host_allowed, origin_allowed
from veracity.server._job import check_upload
from veracity.server.intake import IntakeError, _public_address, is_public, public_connections_only
from veracity.testing import hostile as _hostile


def test_without_a_token_a_foreign_host_is_refused(make_client) -> None:
    client = make_client(workers=0)
    assert client.get("/healthz").status_code == 200  # Host: 127.0.0.1
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        refused = client.get("/v1/analyses", headers={"host": host})
        assert refused.status_code == 421 and refused.json()["error"]["code"] == "host_not_allowed"
        assert client.get("/", headers={"host": host}).status_code == 421
    assert client.get("/v1/analyses", headers={"host": "localhost:8000"}).status_code == 200
    named = make_client(workers=0, allowed_hosts=("veracity.lan",))
    assert named.get("/v1/analyses", headers={"host": "veracity.lan:8000"}).status_code == 200
    with_token = make_client(workers=0, api_token="s3cret")
    response = with_token.get("/v1/analyses", headers={"host": "evil.example", "authorization": "Bearer s3cret"})
    assert response.status_code == 200  # a browser page cannot send the token: the Host no longer matters


def test_host_rules() -> None:
    assert host_allowed("[::1]:8000", "127.0.0.1", ())
    assert host_allowed("192.168.1.20:8000", "0.0.0.0", ())  # bound to every interface: any IP literal
    assert not host_allowed("rebind.example:8000", "0.0.0.0", ())
    assert not host_allowed("192.168.1.20:8000", "127.0.0.1", ())
    assert not host_allowed(None, "127.0.0.1", ())


def test_posts_from_other_sites_are_refused(make_client, tmp_path: Path) -> None:
    client = make_client(workers=0)
    foreign = upload(client, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "origin_not_allowed"
    assert client.post("/v1/analyses", json={"url": "https://example.org/a.jpg"},
                       headers={"origin": "null"}).status_code == 403
    assert upload(client, headers={"origin": "http://127.0.0.1"}).status_code == 202  # the page itself
    assert upload(client).status_code == 202  # curl sends no Origin
    assert origin_allowed("POST", "https://app.example", "127.0.0.1:8000", ("https://app.example",))
    assert origin_allowed("GET", "https://evil.example", "127.0.0.1:8000", ())


def test_link_body_is_counted_while_it_is_read(make_client) -> None:
    client = make_client(workers=0)

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b" " * 16384  # 1 MiB of whitespace, no Content-Length

    response = client.post("/v1/analyses", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"
    declared = client.post("/v1/analyses", content=b"{}", headers={"content-type": "application/json",
                                                                    "content-length": str(512 * 1024**2)})
    assert declared.status_code == 413


def test_every_failure_of_the_upload_check_is_415_or_413(monkeypatch, tmp_path: Path) -> None:
    import importlib

    probe_module = importlib.import_module("veracity.media.probe")

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug a hostile file found")

    monkeypatch.setattr(probe_module, "probe", explode)
    status, code, reason = check_upload(str(SAMPLE_JPEG), "{}") or (0, "", "")
    assert (status, code) == (415, "unsupported_media") and "RuntimeError" in reason


def test_uploads_that_fail_the_check_leave_no_file_behind(make_client, tmp_path: Path) -> None:
    uploads = tmp_path / "data" / "uploads"
    client = make_client(workers=0)
    for case in ("canvas_bomb_gif", "screen_bomb_gif", "one_byte_jpg", "html_named_png", "wav_zero_bits"):
        name, build = _hostile.CASES[case]
        response = upload(client, build(tmp_path / name))
        assert response.status_code in (413, 415), (case, response.text)
        assert str(uploads) not in response.text  # the stored name is never shown
    assert list(uploads.iterdir()) == []
    slow = make_client(workers=0, probe_timeout_s=0.001)  # the check is killed at its deadline
    response = upload(slow)
    assert response.status_code == 415 and "could not be checked" in response.json()["error"]["message"]
    assert list(uploads.iterdir()) == []


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::", "2002:c0a8:101::1",
                                     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
                                     "127.0.0.1", "::1", "169.254.169.254", "fd00::1"])
def test_private_addresses_in_disguise_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    with pytest.raises(IntakeError) as refused:
        _public_address(address, 80, allow_private=False)
    assert refused.value.code == "url_refused"


def test_public_addresses_in_ipv6_forms_pass() -> None:
    assert is_public(ipaddress.ip_address("64:ff9b::808:808"))  # NAT64 of 8.8.8.8
    assert is_public(ipaddress.ip_address("2606:4700::1111"))


def test_follow_up_requests_of_platform_downloads_are_checked_too() -> None:
    with public_connections_only(allow_private=False), pytest.raises(OSError, match="private or local"):
        socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)  # restored after the block


def test_data_folder_is_private(make_client, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "old-report.json").write_text("{}")
    (data / "old-report.json").chmod(0o644)
    client = make_client()
    job = wait_until_ended(client, upload(client).json()["id"])
    assert job["status"] == "done"
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [data, *data.rglob("*")] if not p.is_symlink()}
    loose = {str(p): oct(m) for p, m in modes.items() if m & 0o077}
    assert not loose and any(p.name == "report.json" for p in modes)


# --- a real uvicorn with the connection limits ----------------------------------------------------------------


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[Callable[..., tuple[str, int]]]:
    """Start a real uvicorn (in a thread) with ``veracity serve``'s connection limits; returns (host, port)."""
    import uvicorn

    from tests.server.conftest import config_for
    from veracity.server import create_app
    from veracity.server._limits import ConnectionLimits, run_options

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**limits: float) -> tuple[str, int]:
        config = uvicorn.Config(create_app(config_for(tmp_path / f"data{len(servers)}", workers=0)),
                                host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                                **run_options(ConnectionLimits(**limits)))  # type: ignore[arg-type]
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        return "127.0.0.1", server.servers[0].sockets[0].getsockname()[1]

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(30)


def _healthz(host: str, port: int) -> int:
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return int(sock.recv(64).split(b" ")[1])


def _closed_by_server(sock: socket.socket, wait_s: float) -> bool:
    sock.settimeout(wait_s)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_slow_clients_are_cut_off_and_healthz_keeps_answering(live_server) -> None:
    host, port = live_server(max_connections=1000, header_timeout_s=1.0, body_idle_timeout_s=1.0)
    slow = [socket.create_connection((host, port), timeout=10) for _ in range(300)]
    try:
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
        assert _healthz(host, port) == 200  # answered while 300 half-sent requests are open
        body = socket.create_connection((host, port), timeout=10)
        body.sendall(b"POST /v1/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{")  # then silence
        assert all(_closed_by_server(sock, 10.0) for sock in [*slow, body])  # the deadlines cut every one off
    finally:
        for sock in slow:
            sock.close()
    assert _healthz(host, port) == 200


def test_connections_past_the_cap_are_closed_at_once(live_server) -> None:
    host, port = live_server(max_connections=100, header_timeout_s=60.0)
    held = [socket.create_connection((host, port), timeout=10) for _ in range(100)]
    try:
        time.sleep(0.5)
        extra = [socket.create_connection((host, port), timeout=10) for _ in range(20)]
        assert all(_closed_by_server(sock, 5.0) for sock in extra)
        assert not _closed_by_server(held[0], 0.5)  # the ones inside the cap stay open
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    assert _healthz(host, port) == 200
