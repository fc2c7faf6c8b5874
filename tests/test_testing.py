"""``veracity.testing`` is the one home of media made in code: bench and training scripts take builders from it,
never from ``tests/``."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_benchmarks_and_training_do_not_import_from_tests() -> None:
    offenders = [str(p.relative_to(REPO)) for folder in ("bench", "training") for p in (REPO / folder).rglob("*.py")
                 if re.search(r"^\s*(from|import) tests\b", p.read_text(encoding="utf-8"), re.MULTILINE)]
    assert offenders == []


def test_builders_make_real_media(tmp_path: Path) -> None:
    from veracity.media.probe import probe
    from veracity.testing.clips import pan_frames, write_video
    from veracity.testing.pictures import jpeg_roundtrip, photo, reupload_variants, save_jpeg
    from veracity.testing.sound import music, write_audio

    rgb = photo("coffee")
    assert rgb.dtype.name == "uint8" and rgb.ndim == 3
    assert 0 < float(abs(jpeg_roundtrip(rgb, 30).astype(int) - rgb).mean()) < 20
    assert probe(save_jpeg(rgb, tmp_path / "a.jpg")).kind.value == "image"
    assert len(reupload_variants(rgb)) >= 8
    clip = probe(write_video(pan_frames([rgb], seconds_each=1.0), tmp_path / "pan.mp4"))
    assert clip.kind.value == "video" and clip.frame_count == 8
    sound = probe(write_audio(music(1, seconds=2.0), tmp_path / "m.wav"))
    assert sound.kind.value == "audio" and abs((sound.duration_s or 0) - 2.0) < 0.1
