from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from veracity import check
from veracity.analyzers.provenance._dwtdct import KNOWN_MARKS, KnownMark, match_known_marks
from veracity.evidence import Direction, Status
from veracity.samples import samples_dir

pytest.importorskip("pywt")  # the reference embedder (test-only) needs PyWavelets and OpenCV
pytest.importorskip("cv2")
pytest.importorskip("skimage")

SD_V1, SD_V2, SDXL, _INVOKE = KNOWN_MARKS


def _reference_embedder() -> ModuleType:
    """``imwatermark``'s own EmbedMaxDct, loaded by file path: the package's __init__ imports torch."""
    spec = importlib.util.find_spec("imwatermark")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("invisible-watermark is not installed (pip install --no-deps invisible-watermark==0.2.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / "maxDct.py"
    module_spec = importlib.util.spec_from_file_location("_imwatermark_maxdct", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def _embed(rgb: np.ndarray, mark: KnownMark) -> np.ndarray:
    """As the generators call it: BGR input, uint8 (SD scripts) or float pixels (SDXL / diffusers)."""
    bgr = rgb[..., ::-1].copy()
    if mark.float_input:
        bgr = bgr.astype(np.float32)
    marked = _reference_embedder().EmbedMaxDct(list(mark.bits), wmLen=len(mark.bits)).encode(bgr)
    if mark.float_input:
        marked = np.clip(np.round(marked), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(marked[..., ::-1])


def _photo(name: str = "astronaut") -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(getattr(data, name)())


def _jpeg(rgb: np.ndarray, quality: int, subsampling: int = 2) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, subsampling=subsampling)
    return np.asarray(Image.open(buffer).convert("RGB"))


@pytest.mark.parametrize("mark", [SD_V1, SDXL], ids=["sd_v1", "sdxl"])
def test_reference_embedding_is_decoded_with_a_tiny_false_alarm_probability(mark: KnownMark) -> None:
    best = match_known_marks(_embed(_photo(), mark), try_upscaling=False)[0]
    assert best.mark == mark and best.agreeing_bits == len(mark.bits)
    assert best.false_alarm_p < 1e-10


@pytest.mark.parametrize("damage", ["jpeg_q95_444", "crop_bottom_rows", "resize_half"])
def test_damage_the_mark_survives(damage: str) -> None:
    marked = _embed(_photo(), SD_V1)
    height, width = marked.shape[:2]
    damaged = {
        "jpeg_q95_444": lambda: _jpeg(marked, 95, subsampling=0),
        "crop_bottom_rows": lambda: marked[: height - 112],  # keeps the block grid and the width
        "resize_half": lambda: np.asarray(Image.fromarray(marked).resize((width // 2, height // 2), Image.BICUBIC)),
    }[damage]()
    best = match_known_marks(damaged, try_upscaling=damage == "resize_half")[0]
    assert best.mark == SD_V1 and best.false_alarm_p < 1e-6


@pytest.mark.parametrize("damage", ["jpeg_q75", "jpeg_q90_420", "crop_3px"])
def test_damage_that_erases_the_mark_gives_no_detection_rather_than_a_wrong_one(damage: str) -> None:
    marked = _embed(_photo(), SD_V1)
    damaged = {"jpeg_q75": lambda: _jpeg(marked, 75), "jpeg_q90_420": lambda: _jpeg(marked, 90),
               "crop_3px": lambda: marked[3:, 5:]}[damage]()
    assert match_known_marks(damaged, try_upscaling=False)[0].false_alarm_p > 1e-3


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "rocket"])
def test_unmarked_photos_are_not_flagged(name: str) -> None:
    assert match_known_marks(_photo(name))[0].false_alarm_p > 1e-3


def test_flat_and_noise_images_are_not_flagged() -> None:
    flat = np.full((512, 512, 3), 128, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    for rgb in (flat, noise):
        assert match_known_marks(rgb, try_upscaling=False)[0].false_alarm_p > 1e-3


def test_analyzer_decisive_on_a_marked_png_and_silent_on_the_samples(tmp_path: Path) -> None:
    Image.fromarray(_embed(_photo(), SDXL)).save(tmp_path / "sdxl.png")
    report = check(tmp_path / "sdxl.png", analyzers=["provenance.watermark"])
    finding = report.results[0].findings[0]
    assert finding.code == "provenance.watermark.generator_mark" and finding.decisive
    assert finding.direction is Direction.SYNTHETIC and finding.data["agreeing_bits"] == 48
    assert report.verdict.label.value == "ai_generated"
    assert report.results[0].artifacts[0].name == finding.locus.artifact
    for sample in ("camera_photo.jpg", "spliced_photo.jpg", "generated_parameters.png"):
        result = check(samples_dir() / sample, analyzers=["provenance.watermark"]).results[0]
        assert result.status is Status.OK and result.p_synthetic is None
        assert result.findings[0].code == "provenance.watermark.none"



def test_block_scores_are_the_largest_non_first_value_of_each_block_mod_36() -> None:
    """The strided-maxima shortcut against the plain definition, on a real picture's U plane."""
    from veracity.analyzers.provenance._dwtdct import block_scores, chroma_u

    skimage_data = pytest.importorskip("skimage.data")
    for float_input in (False, True):
        plane = chroma_u(skimage_data.astronaut()[:, :, ::-1], float_input=float_input)
        p = plane[:512, :512]
        approx = (p[0::2, 0::2] + p[0::2, 1::2] + p[1::2, 0::2] + p[1::2, 1::2]) / 2.0
        blocks = approx.reshape(64, 4, 64, 4).swapaxes(1, 2).reshape(64 * 64, 16)
        expected = (np.mod(np.abs(blocks[:, 1:]).max(axis=1), 36.0) > 18.0).astype(np.float64)
        assert np.array_equal(block_scores(plane), expected)
