"""Intake survives real-world containers: every case of ``veracity.testing.containers`` probes, decodes and gets a
verdict; the MP4 with a data stream (once ``'DataStream' object has no attribute 'bit_rate'``) through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from veracity.config import Profile, Settings
from veracity.evidence import MediaKind
from veracity.media.audio import load_mono
from veracity.media.image import load_rgb
from veracity.media.probe import probe
from veracity.media.video import iter_frames
from veracity.scanner import Scanner
from veracity.testing.containers import CONTAINER_CASES, mp4_with_data_stream

from ..cli.test_check import veracity

FAST = Settings(profile=Profile.FAST)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(FAST)


@pytest.mark.parametrize("case", sorted(CONTAINER_CASES))
def test_every_container_case_probes_decodes_and_gets_a_verdict(case: str, tmp_path: Path, scanner: Scanner) -> None:
    path = CONTAINER_CASES[case](tmp_path)
    media = probe(path)
    if media.kind is MediaKind.IMAGE:
        rgb = load_rgb(path)
        assert rgb.dtype == np.uint8 and rgb.shape == (120, 160, 3)
        assert rgb.std() > 10  # real content came through, not a blank canvas
    elif media.kind is MediaKind.VIDEO:
        frames = list(iter_frames(media, FAST.sampling))
        assert len(frames) >= 3
        times = [f.time_s for f in frames]
        assert times == sorted(times) and len(set(times)) == len(times)
        upright = (64, 96) if "rotated" in case else (96, 64)  # (width, height) a viewer shows
        assert {(f.rgb.shape[1], f.rgb.shape[0]) for f in frames} == {upright}
        assert media.duration_s and 1.0 < media.duration_s < 4.0
    else:
        samples = load_mono(path, 16_000)
        assert media.kind is MediaKind.AUDIO and samples.size > 16_000 and np.abs(samples).max() > 0.05
    report = scanner.check(path)
    assert report.verdict.label.value in ("ai_generated", "authentic", "inconclusive")
    assert not [r for r in report.results if r.status.value == "error"], [r.reason for r in report.results]


def test_each_family_of_real_world_shapes_is_covered() -> None:
    names = " ".join(CONTAINER_CASES)
    for shape in ("data_stream", "subtitle", "attachment", "rotated", "variable_frame_rate", "10bit", "yuvj",
                  "alpha", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".heic", ".avif", ".tiff", ".bmp", "5_1",
                  "7_1", "rate_7350", "rate_11025", "rate_96000"):
        assert shape in names, shape


def test_mp4_with_data_stream_lists_the_data_stream(tmp_path: Path) -> None:
    media = probe(mp4_with_data_stream(tmp_path / "phone.mp4"))
    assert [s.type for s in media.streams] == ["video", "audio", "data"]
    assert media.has_audio and media.kind is MediaKind.VIDEO


def test_cli_check_gives_a_verdict_for_an_mp4_with_a_data_stream(tmp_path: Path) -> None:
    path = mp4_with_data_stream(tmp_path / "phone.mp4")
    run = veracity("check", str(path), "--profile", "fast", "--json", "-", "-q")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["verdict"]["label"] in ("ai_generated", "authentic", "inconclusive")
    assert "data" in [s["type"] for s in report["media"]["streams"]]
