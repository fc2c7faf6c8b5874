"""Connection limits for uvicorn, so slow or numerous clients cannot take the server off the air.

uvicorn by itself waits for ever for a request's headers (slowloris) and its body, and accepts connections until
the process runs out of file descriptors (then it cannot accept ``/healthz`` either, and logs the failure in a
tight loop). ``guarded_h11`` is uvicorn's own h11 protocol with three additions:

- a header deadline: a request's headers must be complete ``header_timeout_s`` after the connection opened or the
  previous response ended;
- a body deadline: while a client sends a body, ``body_idle_timeout_s`` without a byte closes the connection;
- a connection cap: beyond ``max_connections`` open connections a new one is closed at once (no log line).

``run_options`` gives the uvicorn settings that go with them (keep-alive, concurrency, backlog, event sizes), and
``raise_open_files`` lifts the soft file-descriptor limit so the cap, not the OS, decides.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 2048  # open connections; beyond it new ones are closed at once
    header_timeout_s: float = 10.0  # to send a request's headers
    body_idle_timeout_s: float = 30.0  # longest pause while sending a body
    keep_alive_s: float = 5.0  # an idle kept-alive connection is closed after this
    backlog: int = 2048
    max_header_bytes: int = 64 * 1024  # h11's limit on an incomplete request head


def run_options(limits: ConnectionLimits) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``."""
    return {
        "http": guarded_h11(limits),
        "limit_concurrency": limits.max_connections,
        "timeout_keep_alive": limits.keep_alive_s,
        "backlog": limits.backlog,
        "h11_max_incomplete_event_size": limits.max_header_bytes,
    }


def raise_open_files(wanted: int) -> int:
    """Lift the soft limit on open files towards ``wanted`` (never above the hard limit); returns the new limit."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        return soft
    except (ValueError, OSError):
        return -1


def guarded_h11(limits: ConnectionLimits) -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    tick_s = max(0.5, min(limits.header_timeout_s, limits.body_idle_timeout_s) / 4)

    class GuardedH11Protocol(H11Protocol):  # type: ignore[misc]
        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            if len(self.connections) >= limits.max_connections:
                transport.close()  # over the cap: closed before uvicorn tracks or logs it
                return
            super().connection_made(transport)
            self._phase_started = self._last_data = self.loop.time()
            self._watch = self.loop.call_later(tick_s, self._check_deadlines)

        def connection_lost(self, exc: Exception | None) -> None:
            watch = getattr(self, "_watch", None)
            if watch is None:
                return  # refused in connection_made: uvicorn never knew it
            watch.cancel()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            self._last_data = self.loop.time()
            super().data_received(data)

        def on_response_complete(self) -> None:
            self._phase_started = self.loop.time()  # the next request's headers get a fresh deadline
            super().on_response_complete()

        def _check_deadlines(self) -> None:
            if self.transport.is_closing():
                return
            now = self.loop.time()
            state = self.conn.their_state
            if state is h11.IDLE and now - self._phase_started > limits.header_timeout_s:
                self.transport.close()
                return
            if state is h11.SEND_BODY and now - self._last_data > limits.body_idle_timeout_s:
                self.transport.close()
                return
            self._watch = self.loop.call_later(tick_s, self._check_deadlines)

    return GuardedH11Protocol
