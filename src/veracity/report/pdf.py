"""The HTML report printed to PDF (A4, the print stylesheet of ``report.css``) by a headless Chromium.

Why Chromium: it is the engine the web page is tested with, it lays out the report exactly as a browser shows it
(grid, data-URI pictures, ``@page``), it is packaged by Debian (``apt install chromium``) and maintained, and
``--print-to-pdf`` needs no Python dependency and no network. Nothing is downloaded: when no Chromium is installed
the command says so and how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from veracity.errors import MissingExtra, VeracityError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """``VERACITY_CHROMIUM`` if set, else the first Chromium-family browser on PATH."""
    explicit = os.environ.get("VERACITY_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def html_to_pdf(page: str, out: Path, *, timeout_s: float = 120.0) -> Path:
    """Print ``page`` (a self-contained HTML document) to ``out`` as PDF."""
    browser = find_chromium()
    if browser is None:
        raise MissingExtra("--pdf needs a Chromium browser: on Debian/Ubuntu `apt install chromium` "
                           "(or set VERACITY_CHROMIUM to one)")
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="veracity-pdf-") as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(page, encoding="utf-8")
        command = [browser, "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-extensions", f"--user-data-dir={tmp}/profile",
                   "--no-pdf-header-footer", f"--print-to-pdf={out}", source.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise VeracityError(f"Chromium did not finish printing within {timeout_s:.0f} s") from exc
    if not out.exists() or out.stat().st_size == 0:
        raise VeracityError(f"Chromium could not print the report: {run.stderr.strip()[-500:]}")
    return out
