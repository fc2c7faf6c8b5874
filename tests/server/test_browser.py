"""End to end in a real headless browser (Debian's chromium driven by Playwright) against `veracity serve`."""

from __future__ import annotations

import os
import re
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

# Pictures (ELA heatmaps), a voice verdict with its plot, and a video timeline, each cheap on the samples.
PAGE_ANALYZERS = (*PICTURE_ANALYZERS, "audio.speech", "audio.voice_forensics", "learned.ai_video")

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
               "--data-dir", str(data_dir), "--analyzers", ",".join(PAGE_ANALYZERS), "--log-level", "warning"]
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
            seen = _texts_until_verdict(page)
            assert seen and not [text for text in seen if "null" in text], seen

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


def _texts_until_verdict(page, timeout_s: float = 60) -> list[str]:  # type: ignore[no-untyped-def]
    """The job section's text, read while the analysis runs, until the verdict shows."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.locator("#job").is_visible():
            seen.append(page.inner_text("#job"))
        if page.locator("#verdict").count():
            seen.append(page.inner_text("#job"))
            return seen
        page.wait_for_timeout(50)
    raise AssertionError(f"no verdict within {timeout_s} s: {seen[-1:]}")


@pytest.fixture()
def browser_page():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page
            assert not errors, errors
        finally:
            browser.close()


def test_voice_evidence_is_shown_and_its_plot_enlarges(served: str, browser_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.analyzers.audio.conftest import espeak

    speech = espeak(tmp_path / "speech.wav")
    page = browser_page
    page.goto(served)
    page.set_input_files("#file", str(speech))
    _texts_until_verdict(page)
    # (The why block names the voice only when the fitted audio model weighs it: tests/report/test_html.py.)
    # Audio evidence is not filtered out any more: under Evidence, or under Context when the fitted model weighs it 0.
    card = page.locator(":is(#cards, #context) article[data-code='audio.voice_forensics.summary']")
    assert card.count() == 1 and card.is_visible()
    plot = card.locator("img.heat")
    plot.wait_for(state="visible")
    small = plot.bounding_box()
    plot.click()
    zoom = page.locator("#zoom")
    assert zoom.evaluate("d => d.open")
    big = zoom.locator("img").bounding_box()
    assert small is not None and big is not None and big["width"] > small["width"] * 1.5
    page.keyboard.press("Escape")
    assert not zoom.evaluate("d => d.open")


def test_video_timeline_colours_match_its_legend_and_it_says_what_it_covered(  # type: ignore[no-untyped-def]
        served: str, browser_page, tmp_path: Path) -> None:
    from veracity.testing.containers import write_clip

    clip = write_clip(tmp_path / "long.mp4", fps=10, count=80, width=192, height=128)  # 8 s; ai_video reads ~3 s
    page = browser_page
    page.goto(served)
    page.set_input_files("#file", str(clip))
    _texts_until_verdict(page)
    legend = {
        kind: page.locator(f".legend .key.dir-{kind}").evaluate("el => getComputedStyle(el).backgroundColor")
        for kind in ("synthetic", "authentic", "neutral")
    }
    assert len(set(legend.values())) == 3
    segments = page.locator(".timeline .seg")
    assert segments.count() > 0
    for i in range(segments.count()):
        colour, opacity, classes = segments.nth(i).evaluate(
            "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).opacity, el.className]")
        kind = next(k for k in legend if f"dir-{k}" in classes)
        assert colour == legend[kind] and float(opacity) == 1.0
    assert "Findings placed in time cover" in page.inner_text(".timeline")
    assert re.search(r"covered 0\.\d–\d\.\d s of a 8\.0-s clip", page.inner_text(".timeline .coverage"))
