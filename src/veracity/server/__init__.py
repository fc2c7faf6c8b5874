"""``veracity serve``: a REST API with persistent jobs, link intake, and a web page (needs ``veracity[server]``).

``create_app(ServerConfig(...))`` builds the FastAPI app; ``ServerConfig.from_env()`` reads ``VERACITY_*``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ServerConfig", "create_app"]

if TYPE_CHECKING:
    from veracity.server.app import create_app
    from veracity.server.config import ServerConfig


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from veracity.server.app import create_app

        return create_app
    if name == "ServerConfig":
        from veracity.server.config import ServerConfig

        return ServerConfig
    raise AttributeError(name)
