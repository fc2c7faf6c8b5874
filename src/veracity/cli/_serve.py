"""``veracity serve``: run the REST API and the web page with uvicorn."""

from __future__ import annotations

import sys
from pathlib import Path

from veracity.config import Profile


def run_serve(*, host: str, port: int, data_dir: Path | None, workers: int | None, profile: Profile | None,
              analyzers: str | None, log_level: str) -> int:
    try:
        import uvicorn

        from veracity.server import ServerConfig, create_app
    except ImportError as exc:
        sys.stderr.write(f"error: the server needs its extra: pip install 'veracity[server]' ({exc.name} is missing)\n")
        return 2
    from pydantic import ValidationError

    try:
        from veracity.config import Settings

        config = ServerConfig.from_env(
            settings=Settings.from_env(profile=profile), data_dir=data_dir, workers=workers, bind_host=host,
            analyzers=tuple(a.strip() for a in analyzers.split(",") if a.strip()) if analyzers else None,
        )
    except ValidationError as exc:
        sys.stderr.write(f"error: invalid server setting: {exc.errors()[0].get('loc')}: {exc.errors()[0].get('msg')}\n")
        return 2
    if host not in ("127.0.0.1", "localhost", "::1") and not config.api_token:
        sys.stderr.write("warning: listening beyond this machine without VERACITY_API_TOKEN: anyone who can reach "
                         f"{host}:{port} can submit files and read reports\n")
    sys.stderr.write(f"Veracity on http://{host}:{port}/  (data in {config.data_dir})\n")
    from veracity.server._limits import ConnectionLimits, raise_open_files, run_options

    limits = ConnectionLimits(max_connections=config.max_connections, header_timeout_s=config.header_timeout_s,
                              body_idle_timeout_s=config.body_idle_timeout_s)
    open_files = raise_open_files(config.max_connections + 256)
    if 0 < open_files < config.max_connections + 64:
        limits = ConnectionLimits(max_connections=max(16, open_files - 64), header_timeout_s=limits.header_timeout_s,
                                  body_idle_timeout_s=limits.body_idle_timeout_s)
        sys.stderr.write(f"warning: at most {open_files} open files: connections capped at {limits.max_connections}\n")
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, server_header=False,
                **run_options(limits))
    return 0
