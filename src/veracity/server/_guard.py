"""Who may talk to the server: the Host check (DNS rebinding) and the Origin check (cross-site submissions).

Without a token the server trusts whoever reaches it, which on 127.0.0.1 means this machine's user. A web page on
another site can still reach 127.0.0.1 through the browser: by DNS rebinding (``evil.example`` re-resolved to
127.0.0.1, so the page's scripts read ``/v1`` as same-origin) or by posting a form. So without a token a request
must name the bound address, ``localhost`` or a configured host in its ``Host`` header; and a state-changing
request (POST, PUT, PATCH, DELETE) that a browser marks with an ``Origin`` must come from this server's own origin
or from one of ``cors_origins``. Tools that send no ``Origin`` (curl, scripts) are not affected.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(host_header: str) -> str:
    """The name part of a ``Host`` header (``[::1]:8000`` -> ``::1``), lowercased, without a trailing dot."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(host_header: str | None, bind_host: str, allowed: tuple[str, ...]) -> bool:
    """Without a token: the Host must be the bound address, a local name, or a configured name. A server bound to
    every interface also accepts any IP address (a rebinding page always names a domain)."""
    if not host_header:
        return False
    name = host_name(host_header)
    names = _LOCAL_NAMES | {host_name(bind_host)} | {host_name(a) for a in allowed}
    if name in names:
        return True
    return host_name(bind_host) in _WILDCARDS and _is_ip(name)


def origin_allowed(method: str, origin: str | None, host_header: str | None, cors_origins: tuple[str, ...]) -> bool:
    """A browser's state-changing request must come from this server's own origin or a configured one."""
    if method.upper() not in _UNSAFE_METHODS or origin is None:
        return True
    origin = origin.strip()
    if origin.rstrip("/") in {o.rstrip("/") for o in cors_origins}:
        return True
    if origin == "null" or not host_header:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and (parts.netloc or "").lower() == host_header.strip().lower()
