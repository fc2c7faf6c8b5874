"""The README's "Adding an analyzer" recipe, walked on a toy: two source files (algorithm, class) dropped into a
line-of-evidence package are found, planned, run, fused and documented with no other file touched; and every
built-in follows the conventions the recipe states."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import veracity.analyzers.image
from veracity.analyzers import registry
from veracity.analyzers.base import Analyzer
from veracity.config import Profile, Settings
from veracity.evidence import Direction, Status
from veracity.samples import samples_dir

ALGORITHM = '''"""Edge density: the share of strong gradients. Detects nothing real; it exists to test the recipe."""

import numpy as np


def edge_density(rgb: np.ndarray, threshold: float = 40.0) -> float:
    grey = rgb.astype(np.float32).mean(axis=2)
    return float((np.abs(np.diff(grey, axis=1)) > threshold).mean())
'''

CLASS = '''from dataclasses import dataclass

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.image._toy_edges import edge_density
from veracity.analyzers.scoring import scored
from veracity.evidence import AnalyzerResult, Direction, Finding, MediaInfo, MediaKind, Status


@dataclass(frozen=True)
class ToyEdgeParams:
    threshold: float = 40.0


class ToyEdgeAnalyzer(Analyzer[ToyEdgeParams]):
    """A toy: more edges, a little more synthetic."""

    info = AnalyzerInfo(id="image.toy_edges", version="0.1.0", title="Toy edges",
                        summary="Counts strong edges (a toy for the walk-through).",
                        media_kinds=frozenset({MediaKind.IMAGE}), cost=1, fusion_weight=0.1)
    Params = ToyEdgeParams

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        density = edge_density(ctx.image(), self.params.threshold)
        p, strength = scored(4.0 * (density - 0.1), reliability=0.3)
        finding = Finding(code="image.toy_edges.density", message=f"{density:.0%} of the picture is strong edges.",
                          direction=Direction.SYNTHETIC if p >= 0.5 else Direction.AUTHENTIC, strength=strength)
        return self.result(Status.OK, p_synthetic=p, findings=[finding])
'''

# The files a newcomer writes for a plain built-in (the third is a test like this one).
FILES = {"_toy_edges.py": ALGORITHM, "toy_edges.py": CLASS}


@pytest.fixture()
def toy_in_image_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The toy's two files in a folder that joins the ``veracity.analyzers.image`` package (as if written there)."""
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(veracity.analyzers.image, "__path__", [*veracity.analyzers.image.__path__, str(tmp_path)])
    registry.available.cache_clear()
    yield tmp_path
    registry.available.cache_clear()
    for module in ("veracity.analyzers.image.toy_edges", "veracity.analyzers.image._toy_edges"):
        sys.modules.pop(module, None)


def test_a_toy_analyzer_in_two_files_is_found_run_fused_and_documented(toy_in_image_line: Path) -> None:
    from veracity.cli.app import app
    from veracity.scanner import Scanner

    cls = registry.get("image.toy_edges")
    assert cls.__module__ == "veracity.analyzers.image.toy_edges"
    assert cls in registry.for_profile(Profile.FAST)  # cost 1: every profile runs it
    report = Scanner(Settings(profile=Profile.FAST)).check(samples_dir() / "camera_photo.jpg")
    toy = next(r for r in report.results if r.analyzer_id == "image.toy_edges")
    assert toy.status is Status.OK and toy.p_synthetic is not None
    assert toy.findings[0].direction in (Direction.SYNTHETIC, Direction.AUTHENTIC)
    assert "image.toy_edges" in {c.analyzer_id for c in report.verdict.contributions}  # fused at its declared weight
    listed = CliRunner().invoke(app, ["analyzers", "--markdown"])
    assert listed.exit_code == 0 and "| `image.toy_edges` | Toy edges | image | 1 |" in listed.stdout
    assert sorted(p.name for p in toy_in_image_line.iterdir() if p.suffix == ".py") == sorted(FILES)


def test_every_built_in_follows_the_recipe() -> None:
    for analyzer_id, cls in registry.available().items():
        if not cls.__module__.startswith("veracity.analyzers."):
            continue  # a third-party plug-in installed here
        line = cls.__module__.split(".")[2]
        assert analyzer_id.startswith(f"{line}."), f"{analyzer_id} lives in analyzers/{line}/"
        assert cls.info.title and len(cls.info.summary) > 20, analyzer_id
        assert 1 <= cls.info.cost <= 3, analyzer_id
        assert issubclass(cls, Analyzer)
        importlib.import_module(cls.__module__)


def test_the_readme_walk_through_names_the_three_files() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding an analyzer", 1)[1].split("\n## ", 1)[0]
    for piece in ("analyzers/<line>/_<name>.py", "analyzers/<line>/<name>.py", "tests/analyzers/<line>/test_<name>.py",
                  "VERACITY_UPDATE_GOLDEN=1", "veracity analyzers --markdown"):
        assert piece in section, piece
