"""End to end in a real headless browser (Debian's chromium driven by Playwright) against `veracity serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import PICTURE_ANALYZERS, SAMPLE_JPEG

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium (scripts/install-system-deps.sh)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import httpx

    port = _free_port()
    data_dir = tmp_path_factory.mktemp("served")
    command = [sys.executable, "-c", "from veracity.cli import main; main()", "serve", "--port", str(port),
               "--data-dir", str(data_dir), "--analyzers", ",".join(PICTURE_ANALYZERS), "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if k != "VERACITY_API_TOKEN"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"veracity serve did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def test_upload_in_the_page_shows_the_verdict_and_a_finding(served: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(served)
            page.set_input_files("#file", str(SAMPLE_JPEG))
            page.wait_for_selector("#verdict", timeout=30_000)

            label = page.inner_text("#verdict .label")
            assert label in ("AI-generated or manipulated", "No sign of manipulation", "Inconclusive")
            assert "%" in page.inner_text("#verdict .prob")
            assert page.inner_text("#job-title") == SAMPLE_JPEG.name

            opener = page.locator("#cards button.open").first
            assert opener.get_attribute("aria-expanded") == "false"
            opener.focus()
            page.keyboard.press("Enter")  # keyboard works as well as a click
            assert opener.get_attribute("aria-expanded") == "true"
            details = page.locator("#cards .details").first
            assert details.is_visible() and ("provenance." in details.inner_text() or "image." in details.inner_text())

            toggle = page.locator("button.toggle").first
            if toggle.count():
                toggle.click()
                assert toggle.get_attribute("aria-pressed") == "false"
            assert page.locator("#cards img.heat").first.evaluate("img => img.naturalWidth") > 0

            page.wait_for_selector(f"#history-list >> text={SAMPLE_JPEG.name}")
            assert page.locator("a.button", has_text="Download JSON").count() == 1
            assert not errors, errors
        finally:
            browser.close()
