"""Fetch media from a link: plain HTTP(S) downloads with size and time limits, social platforms through yt-dlp.

Safety: only http and https (redirects included, each hop re-checked); the host's addresses must be public unless
``allow_private`` is set (server-side request forgery: a link must not reach the server's own network); the
connection goes to the address that was checked, so a DNS answer cannot change in between.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from veracity.errors import VeracityError

MAX_REDIRECTS = 5
MAX_URL_CHARS = 2048

# Links to these sites go through yt-dlp (which knows how to find the media behind a post's page).
PLATFORM_DOMAINS = (
    "youtube.com", "youtu.be", "tiktok.com", "x.com", "twitter.com", "instagram.com", "facebook.com", "fb.watch",
    "vimeo.com", "dailymotion.com", "reddit.com", "v.redd.it", "twitch.tv", "bsky.app", "threads.net",
    "rumble.com", "bilibili.com", "vk.com", "ok.ru", "t.me", "telegram.org",
)


class IntakeError(VeracityError):
    """A link that cannot or may not be fetched; ``code`` is ``url_refused`` or ``download_failed``."""

    def __init__(self, message: str, code: str = "download_failed") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int
    timeout_s: float
    allow_private: bool = False


def is_platform_link(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in PLATFORM_DOMAINS)


def check_url(url: str) -> str:
    """Syntax and scheme only (no network); returns the URL stripped, raises ``IntakeError`` (url_refused)."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise IntakeError(f"the link is longer than {MAX_URL_CHARS} characters", "url_refused")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise IntakeError("only http:// and https:// links can be fetched", "url_refused")
    if not parts.hostname:
        raise IntakeError("the link has no host name", "url_refused")
    if parts.username or parts.password:
        raise IntakeError("links with a user name or password are not fetched", "url_refused")
    return url


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def embedded_ipv4(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches: IPv4-mapped (``::ffff:a.b.c.d``), IPv4-compatible,
    NAT64 (``64:ff9b::/96``, ``64:ff9b:1::/48``: the last 32 bits), 6to4 (``2002:AABB:CCDD::``) and Teredo."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64) or (int(address) >> 32 == 0 and int(address) > 0xFFFF):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # NAT64, or the deprecated ::a.b.c.d
    return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally reachable and unicast, judged on the IPv4 address an IPv6 form hides, too."""
    if not address.is_global or address.is_multicast:
        return False
    inner = embedded_ipv4(address)
    return inner is None or (inner.is_global and not inner.is_multicast)


def _public_address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise IntakeError(f"the host {host} could not be found") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise IntakeError(f"the host {host} has no address")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise IntakeError(
                    f"the host {host} points to a private or local address ({address}); such links are refused",
                    "url_refused",
                )
    return str(addresses[0])


def check_host(url: str, allow_private: bool) -> None:
    """Resolve the link's host and refuse it when any of its addresses is private (platform links included)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    _public_address(parts.hostname or "", port, allow_private)


@contextmanager
def public_connections_only(allow_private: bool) -> Iterator[None]:
    """While the block runs, every name this process resolves must be public: yt-dlp follows links of its own
    (API calls, media hosts, redirects) that the first check never saw. Run only inside a job's worker process."""
    if allow_private:
        yield
        return
    original = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        infos = original(host, *args, **kwargs)
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not is_public(address):
                raise OSError(f"{host} points to a private or local address ({address}); refused")
        return infos

    socket.getaddrinfo = guarded
    try:
        yield
    finally:
        socket.getaddrinfo = original


def download(url: str, destination: Path, limits: IntakeLimits) -> Path:
    """Fetch ``url`` into ``destination`` (a file path); returns it. Raises ``IntakeError`` with a plain reason."""
    url = check_url(url)
    if is_platform_link(url):
        return _download_platform(url, destination, limits)
    return _download_http(url, destination, limits)


def _download_http(url: str, destination: Path, limits: IntakeLimits) -> Path:
    import httpx

    deadline = time.monotonic() + limits.timeout_s
    timeout = httpx.Timeout(min(30.0, limits.timeout_s))
    with httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(check_url(url))
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
            address = _public_address(host, port, limits.allow_private)
            literal = f"[{address}]" if ":" in address else address
            pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
            headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "veracity", "Accept": "*/*"}
            try:
                with client.stream("GET", pinned, headers=headers, extensions={"sni_hostname": host}) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise IntakeError("the server answered with a redirect without a target")
                        url = urljoin(url, location)
                        continue
                    if response.status_code != 200:
                        raise IntakeError(f"the server answered HTTP {response.status_code}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                        raise IntakeError(f"the file is {int(declared)} bytes, over the limit of {limits.max_bytes}")
                    _save_stream(response, destination, limits.max_bytes, deadline)
                    return destination
            except httpx.HTTPError as exc:
                raise IntakeError(f"the download failed ({type(exc).__name__}: {exc})") from exc
    raise IntakeError(f"more than {MAX_REDIRECTS} redirects")


def _save_stream(response: object, destination: Path, max_bytes: int, deadline: float) -> None:
    received = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with destination.open("wb") as handle:
            for chunk in response.iter_bytes(1 << 16):  # type: ignore[attr-defined]
                received += len(chunk)
                if received > max_bytes:
                    raise IntakeError(f"the download passed the limit of {max_bytes} bytes and was stopped")
                if time.monotonic() > deadline:
                    raise IntakeError("the download took too long and was stopped")
                handle.write(chunk)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    if received == 0:
        destination.unlink(missing_ok=True)
        raise IntakeError("the server sent an empty file")


def _download_platform(url: str, destination: Path, limits: IntakeLimits) -> Path:
    try:
        import yt_dlp
    except ImportError as exc:
        raise IntakeError(
            "links to social platforms need yt-dlp: pip install 'veracity[server]'", "url_refused"
        ) from exc
    folder = destination.parent / f"{destination.name}.ytdlp"
    folder.mkdir(parents=True, exist_ok=True)
    check_host(url, limits.allow_private)
    options = {
        "proxy": "",  # no proxy from the environment: connections go where the checked names point
        "outtmpl": str(folder / "media.%(ext)s"),
        "format": "best[vcodec!=none][acodec!=none]/best",
        "max_filesize": limits.max_bytes,
        "socket_timeout": min(30.0, limits.timeout_s),
        "noplaylist": True,
        "playlist_items": "1",
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "allowed_extractors": ["default", "-generic"],
        "overwrites": True,
    }
    try:
        with public_connections_only(limits.allow_private), yt_dlp.YoutubeDL(options) as ydl:
            ydl.download([url])
    except Exception as exc:  # noqa: BLE001 - yt-dlp raises many kinds; all mean "could not fetch"
        raise IntakeError(f"the platform link could not be fetched ({exc})") from exc
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith((".part", ".ytdl")))
    if not files:
        raise IntakeError(f"no media file was found behind the link (or it is over {limits.max_bytes} bytes)")
    files[0].replace(destination)
    for leftover in folder.iterdir():
        leftover.unlink(missing_ok=True)
    folder.rmdir()
    return destination
