from __future__ import annotations

import re

from veracity import check
from veracity.report.html import render_html

from ..conftest import SAMPLES


def test_html_is_self_contained_and_shows_evidence_pictures() -> None:
    report = check(SAMPLES / "spliced_photo.jpg")
    page = render_html([report])
    assert page.startswith("<!doctype html>")
    assert re.search(r"<img src='data:image/png;base64,", page)
    assert not re.search(r"(src|href)=['\"]https?:", page)
    assert report.media.sha256 in page
    for result in report.results:
        assert result.analyzer_id in page


def test_html_escapes_untrusted_metadata(tmp_path) -> None:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    path = tmp_path / "x.png"
    Image.new("RGB", (32, 32)).save(path, pnginfo=info)
    page = render_html([check(path)])
    assert "<script>alert(1)</script>" not in page
