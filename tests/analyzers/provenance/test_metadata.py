from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from veracity.analyzers.base import AnalysisContext
from veracity.analyzers.provenance import _exiftool
from veracity.analyzers.provenance._signatures import CATEGORIES, load_signatures, match_signatures
from veracity.analyzers.provenance.metadata import MetadataAnalyzer, MetadataParams, read_fields
from veracity.evidence import AnalyzerResult, Direction, Finding, Status, VerdictLabel
from veracity.media.probe import probe
from veracity.scanner import Scanner

from ._metadata_fixtures import exif_with_thumbnail, jpeg_of, pattern_rgb, with_iptc, xmp_packet

SD_PARAMETERS = ("a lighthouse at dusk, oil painting\nNegative prompt: blurry\n"
                 "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234, Size: 512x512")
needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")


def _analyze(path: Path, use_exiftool: bool | None = False) -> AnalyzerResult:
    media = probe(path)
    return MetadataAnalyzer(MetadataParams(use_exiftool=use_exiftool)).analyze(media, AnalysisContext(media=media))


def _by_code(result: AnalyzerResult) -> dict[str, Finding]:
    return {f.code: f for f in result.findings}


# --- fixtures, built in code ---------------------------------------------------------------------------------

def _png_generated(tmp_path: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", SD_PARAMETERS)
    info.add_text("Software", "Test Generator 2.1")
    info.add_itxt("Comment", "made for a test")
    info.add_itxt("XML:com.adobe.xmp", xmp_packet("trainedAlgorithmicMedia").decode())
    path = tmp_path / "generated.png"
    Image.fromarray(pattern_rgb(1)).save(path, pnginfo=info)
    return path


def _jpeg_camera(tmp_path: Path, *, thumbnail_seed: int | None = 2, modify_date: str = "2023:05:01 12:00:00",
                 name: str = "camera.jpg", xmp: bytes | None = None, comment: bytes | None = None) -> Path:
    picture = pattern_rgb(2, (120, 160))
    thumb = None
    if thumbnail_seed is not None:
        small = Image.fromarray(pattern_rgb(thumbnail_seed, (120, 160))).resize((80, 60))
        thumb = jpeg_of(np.asarray(small))
    exif = exif_with_thumbnail(thumb, modify_date=modify_date)
    extra: dict[str, object] = {"exif": exif}
    if xmp:
        extra["xmp"] = xmp
    if comment:
        extra["comment"] = comment
    path = tmp_path / name
    path.write_bytes(jpeg_of(picture, **extra))
    return path


def _jpeg_everything(tmp_path: Path) -> Path:
    path = _jpeg_camera(tmp_path, xmp=xmp_packet("digitalCapture", "Adobe Photoshop 25.0 (Windows)"),
                        comment=b"Lavc60.31.102", name="everything.jpg")
    path.write_bytes(with_iptc(path.read_bytes(), {65: "Test Program", 110: "Test Credit", 115: "Test Source",
                                                   40: "FBMD0100ac0301"}))
    return path


def _jpeg_user_comment(tmp_path: Path) -> Path:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + SD_PARAMETERS.encode()
    exif[0x0131] = "Test Software"
    path = tmp_path / "a1111.jpg"
    path.write_bytes(jpeg_of(pattern_rgb(3), exif=exif.tobytes()))
    return path


def _webp(tmp_path: Path) -> Path:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Google", "Pixel 8", "HDR+ 1.0"
    path = tmp_path / "phone.webp"
    Image.fromarray(pattern_rgb(4)).save(path, "WEBP", exif=exif.tobytes(), xmp=xmp_packet("computationalCapture"))
    return path


def _mp4(tmp_path: Path, tags: dict[str, str], name: str = "clip.mp4") -> Path:
    import av

    path = tmp_path / name
    with av.open(str(path), "w", options={"movflags": "use_metadata_tags"}) as container:
        container.metadata.update(tags)
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.metadata["handler_name"] = "Core Media Video"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _wav(tmp_path: Path) -> Path:
    import av

    path = tmp_path / "tone.wav"
    with av.open(str(path), "w") as container:
        container.metadata["title"] = "A test tone"
        stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        samples = (np.sin(np.arange(8000) / 8000 * 2 * np.pi * 440) * 8000).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# --- exiftool and the pure-Python reader agree -----------------------------------------------------------------

@needs_exiftool
def test_exiftool_and_pure_readers_give_the_same_fields(tmp_path: Path) -> None:
    apple = {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 15",
             "com.apple.quicktime.software": "17.4", "com.android.version": "14",
             "creation_time": "2024-05-01T10:00:00.000000Z", "title": "Test title", "comment": "Test comment"}
    files = [_png_generated(tmp_path), _jpeg_everything(tmp_path), _jpeg_user_comment(tmp_path), _webp(tmp_path),
             _mp4(tmp_path, apple), _wav(tmp_path)]
    expected_keys = {
        "generated.png": {"Text:parameters", "Text:software", "Text:comment", "XMP:DigitalSourceType",
                          "XMP:HistorySoftwareAgent", "XMP:Description", "XMP:CreateDate"},
        "everything.jpg": {"Make", "Model", "ModifyDate", "DateTimeOriginal", "ExposureTime", "FNumber", "ISO",
                           "FocalLength", "Comment", "XMP:CreatorTool", "XMP:Credit", "IPTC:OriginatingProgram",
                           "IPTC:SpecialInstructions"},
        "a1111.jpg": {"UserComment", "Software"},
        "phone.webp": {"Make", "Model", "Software", "XMP:DigitalSourceType"},
        "clip.mp4": {"Encoder", "HandlerNames", "MajorBrand", "CreateDate", "Make", "Model", "Software",
                     "AndroidVersion", "Title", "Comment"},
        "tone.wav": {"Encoder", "Title"},
    }
    for path in files:
        media = probe(path)
        with_exiftool, reader = read_fields(media, path, use_exiftool=True)
        pure, pure_reader = read_fields(media, path, use_exiftool=False)
        assert reader.startswith("exiftool") and not pure_reader.startswith("exiftool")
        assert expected_keys[path.name] <= pure.keys(), path.name
        assert with_exiftool == pure, path.name


def test_dates_and_numbers_are_normalised(tmp_path: Path) -> None:
    fields, _ = read_fields(probe(p := _jpeg_everything(tmp_path)), p, use_exiftool=False)

    assert fields["DateTimeOriginal"] == "2023-05-01T12:00:00"
    assert fields["ExposureTime"] == "0.00625" and fields["FNumber"] == "4"
    assert fields["XMP:HistorySoftwareAgent"] == "Agent One; Agent Two"


# --- what the analyzer concludes ------------------------------------------------------------------------------

def test_png_generation_parameters_are_decisive(tmp_path: Path) -> None:
    result = _analyze(_png_generated(tmp_path))

    decisive = [f for f in result.findings if f.decisive]
    assert len(decisive) == 1 and decisive[0].direction is Direction.SYNTHETIC
    assert result.p_synthetic > 0.9


def test_a1111_parameters_in_jpeg_user_comment_are_decisive(tmp_path: Path) -> None:
    finding = _by_code(_analyze(_jpeg_user_comment(tmp_path)))["provenance.metadata.ai_generator"]
    assert finding.decisive and finding.data["signature"] == "sd_webui.parameters"


@pytest.mark.parametrize(("source", "decisive"), [("trainedAlgorithmicMedia", True),
                                                  ("compositeWithTrainedAlgorithmicMedia", True),
                                                  ("algorithmicMedia", False), ("digitalCapture", False)])
def test_xmp_digital_source_type(tmp_path: Path, source: str, decisive: bool) -> None:
    path = tmp_path / "xmp.jpg"
    path.write_bytes(jpeg_of(pattern_rgb(5), xmp=xmp_packet(source)))
    result = _analyze(path)

    assert any(f.decisive for f in result.findings) is decisive
    if decisive:
        assert _by_code(result)["provenance.metadata.ai_generator"].data["digital_source_type"] == source
    if source == "digitalCapture":
        assert _by_code(result)["provenance.metadata.camera"].direction is Direction.AUTHENTIC


def test_modify_date_before_capture_date_is_flagged(tmp_path: Path) -> None:
    consistent = _analyze(_jpeg_camera(tmp_path, name="ok.jpg"))
    backdated = _analyze(_jpeg_camera(tmp_path, modify_date="2023:04:01 09:00:00", name="backdated.jpg"))

    assert "provenance.metadata.camera_exif" in _by_code(consistent)
    flagged = _by_code(backdated)["provenance.metadata.modified_before_created"]
    assert flagged.direction is Direction.SYNTHETIC and not flagged.decisive
    assert backdated.p_synthetic > consistent.p_synthetic


def test_future_date_is_flagged(tmp_path: Path) -> None:
    result = _analyze(_jpeg_camera(tmp_path, modify_date="2199:01:01 00:00:00"))
    assert "provenance.metadata.future_date" in _by_code(result)


def test_thumbnail_that_shows_another_picture_is_flagged(tmp_path: Path) -> None:
    same = _analyze(_jpeg_camera(tmp_path, thumbnail_seed=2, name="same.jpg"))
    other = _analyze(_jpeg_camera(tmp_path, thumbnail_seed=9, name="other.jpg"))

    assert "provenance.metadata.thumbnail_differs" not in _by_code(same)
    assert _by_code(other)["provenance.metadata.thumbnail_differs"].direction is Direction.SYNTHETIC
    assert other.p_synthetic > same.p_synthetic


def test_camera_named_without_capture_data(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"
    path = tmp_path / "bare.jpg"
    path.write_bytes(jpeg_of(pattern_rgb(6), exif=exif.tobytes()))

    assert "provenance.metadata.camera_without_capture_data" in _by_code(_analyze(path))


def test_jpeg_comment_and_editor_traces(tmp_path: Path) -> None:
    result = _analyze(_jpeg_everything(tmp_path))
    signatures = {f.data.get("signature") for f in result.findings}

    assert {"ffmpeg.lavc", "adobe.photoshop", "facebook.fbmd", "camera.canon"} <= signatures
    assert not any(f.decisive for f in result.findings)


def test_video_container_tags(tmp_path: Path) -> None:
    remuxed = _analyze(_mp4(tmp_path, {}, "plain.mp4"))
    assert _by_code(remuxed)["provenance.metadata.re_encoder"].data["signature"] == "ffmpeg.lavf"

    phone = _analyze(_mp4(tmp_path, {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 15",
                                     "creation_time": "2024-05-01T10:00:00Z"}, "phone.mp4"))
    undated = _analyze(_mp4(tmp_path, {"com.apple.quicktime.make": "Apple",
                                       "com.apple.quicktime.model": "iPhone 15"}, "undated.mp4"))
    assert "provenance.metadata.camera_without_capture_data" not in _by_code(phone)
    assert "provenance.metadata.camera_without_capture_data" in _by_code(undated)
    assert undated.p_synthetic > phone.p_synthetic


def test_works_without_exiftool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_exiftool.shutil, "which", lambda _name: None)
    result = _analyze(_png_generated(tmp_path), use_exiftool=True)

    assert result.status is Status.OK
    assert _by_code(result)["provenance.metadata.summary"].data["reader"] == "Pillow"
    assert any(f.decisive for f in result.findings)


@needs_exiftool
def test_exiftool_reads_video_by_default(tmp_path: Path) -> None:
    result = _analyze(_mp4(tmp_path, {}), use_exiftool=None)
    assert _by_code(result)["provenance.metadata.summary"].data["reader"].startswith("exiftool")


def test_declared_generator_settles_the_verdict(tmp_path: Path) -> None:
    report = Scanner(analyzer_ids=["provenance.metadata"]).check(_png_generated(tmp_path))
    assert report.verdict.label is VerdictLabel.AI_GENERATED


# --- the signature database -----------------------------------------------------------------------------------

def test_signature_database_is_well_formed() -> None:
    signatures = load_signatures()
    ids = [s.id for s in signatures]

    assert len(ids) == len(set(ids))
    for signature in signatures:
        assert signature.category in CATEGORIES
        assert re.match(r"^https://\S+$", signature.source), signature.id
        assert signature.fields and signature.meaning
        assert not signature.decisive or signature.category == "ai_generator", signature.id
    assert {"ffmpeg.lavf", "comfyui.prompt", "sd_webui.parameters", "novelai.software", "invokeai.metadata",
            "iptc.trained_algorithmic_media", "adobe.photoshop", "gimp", "handbrake", "camera.apple"} <= set(ids)


def test_signatures_match_only_their_markers() -> None:
    ids = {h.signature.id for h in match_signatures({"Encoder": "Lavf61.7.100", "Text:prompt": '{"3": {}}'})}
    assert ids == {"ffmpeg.lavf"}  # a 'prompt' chunk without a ComfyUI graph is not ComfyUI
    assert not match_signatures({"XMP:DigitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/"
                                 "algorithmicMedia"})




def test_camera_name_does_not_repeat_the_maker() -> None:
    from veracity.analyzers.provenance.metadata import _camera_name

    assert _camera_name("Canon", "Canon EOS 40D") == "Canon EOS 40D"
    assert _camera_name("NIKON CORPORATION", "NIKON D750") == "NIKON D750"
    assert _camera_name("Apple", "iPhone 12") == "Apple iPhone 12"
    assert _camera_name("", "X100V") == "X100V"
