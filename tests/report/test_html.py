from __future__ import annotations

import re

from veracity import check
from veracity.report.html import render_html

from ..conftest import SAMPLES


def test_html_is_self_contained_and_shows_evidence_pictures() -> None:
    report = check(SAMPLES / "spliced_photo.jpg")
    page = render_html([report])
    assert page.startswith("<!doctype html>")
    # the lossless picture in its card, enlarged by a click (CSS :target, no script) and closed by another
    assert re.search(r"<figure class='pic' id='pic-0'><a class='zoom' href='#pic-0'[^>]*>"
                     r"<img src='data:image/png;base64,", page)
    assert re.search(r"<a class='unzoom' href='#f0-\d+'", page) and "figure.pic:target" in page
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


def _between(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_voice_evidence_leads_the_report_with_its_sum(tmp_path, monkeypatch) -> None:
    from dataclasses import replace

    from tests.analyzers.audio.conftest import espeak
    from veracity.fusion import v1

    # The fitted audio model may give the voice no weight (it does today): give it one, so it moves the sum.
    models = dict(v1.trained_models())
    models["audio"] = replace(models["audio"], weights={**models["audio"].weights, "audio.voice_forensics": 1.0})
    monkeypatch.setattr(v1, "trained_models", lambda *args: models)
    report = check(espeak(tmp_path / "speech.wav"))
    page = render_html([report])
    voice = next(c for c in report.verdict.contributions if c.analyzer_id == "audio.voice_forensics")
    assert abs(voice.log_odds) > 0.005
    evidence = _between(page, "<h3>Evidence", "</article>")
    # the voice summary was filtered out before; now it is the first card, its analyzer having moved the sum most
    first_card = evidence[evidence.index("<section class='card"):][:2000]
    assert "audio.voice_forensics.summary" in first_card and "adds " in first_card
    why = _between(page, "<section class='why'", "</section>")
    assert ("Why inconclusive" in why) == (report.verdict.label.value == "inconclusive")
    assert "Starting point of the model for audio clips" in why and "Total →" in why
    assert not re.search(r"<td>\[[\d.]+, [\d.]+", page)  # lists read as lists, not Python reprs


def test_long_number_lists_in_details_are_summarised() -> None:
    from veracity.report.html import data_value

    values = [round(0.01 * i, 2) for i in range(52)]
    assert data_value(values) == "52 values, 0 to 0.51 (median 0.26)"
    assert data_value([0.25, 0.5]) == "0.25, 0.5"
    assert data_value(["a"] * 9).endswith("(9 in all)")


def test_still_images_have_no_time_and_context_cards_no_weight() -> None:
    report = check(SAMPLES / "spliced_photo.jpg")
    page = render_html([report])
    assert not re.search(r"at 0\.00(–0\.00)? s", page)
    assert "Context <span" in page
    context = _between(page, "Context <span", "<h3>Analyzers")
    assert "class=weight" not in context and "weight 0.00" not in context.lower()
    assert "@page { size: A4" in page and "@media print" in page  # prints on A4 without the interactive parts


def test_batch_pictures_are_compressed_and_each_shown_once() -> None:
    import base64

    reports = [check(SAMPLES / name) for name in ("spliced_photo.jpg", "camera_photo.jpg")]
    batch = render_html(reports)
    shown = re.findall(r"<figure class='pic' id='pic-\d+'><a class='zoom'[^>]*><img src='data:([^;]+);base64,([^']+)'",
                       batch)
    by_sha = {a.sha256: a for r in reports for res in r.results for a in res.artifacts if a.content}
    assert shown and {mime for mime, _data in shown} <= {"image/webp", "image/png", "image/jpeg"}
    assert "image/webp" in {mime for mime, _data in shown}
    assert len(shown) <= len(by_sha)  # a picture two findings share is inlined once
    inlined = sum(len(base64.b64decode(data)) for _mime, data in shown)
    assert inlined < sum(len(a.content) for a in by_sha.values()) / 2


def test_print_pictures_are_jpeg_at_print_size() -> None:
    # Chromium embeds a JPEG in the PDF as it is, but a PNG or WebP decoded to raw pixels: the PDF gets JPEGs.
    import base64
    import io

    from PIL import Image

    report = check(SAMPLES / "spliced_photo.jpg", analyzers=["image.ela", "image.noise_residual"])
    screen, printed = render_html([report]), render_html([report], for_print=True)
    pictures = re.findall(r"<img src='data:([^;]+);base64,([^']+)'", printed)
    assert pictures and {mime for mime, _data in pictures} == {"image/jpeg"}
    assert all(max(Image.open(io.BytesIO(base64.b64decode(data))).size) <= 1200 for _mime, data in pictures)
    assert len(printed) < len(screen)
    assert "data:image/png" in screen  # the screen report keeps its lossless pictures
