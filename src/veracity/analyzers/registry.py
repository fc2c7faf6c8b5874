"""Find analyzers: the built-ins plus third-party ones from the entry-point group ``veracity.analyzers``.

Analyzer modules import their heavy dependencies inside ``load``/``analyze``, so listing them is cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from importlib.metadata import entry_points

from veracity.analyzers.base import Analyzer
from veracity.config import PROFILE_MAX_COST, Profile
from veracity.errors import VeracityError

ENTRY_POINT_GROUP = "veracity.analyzers"

BUILTIN: tuple[str, ...] = (
    "veracity.analyzers.provenance.metadata:MetadataAnalyzer",
    "veracity.analyzers.provenance.c2pa:C2paAnalyzer",
    "veracity.analyzers.image.ela:ErrorLevelAnalyzer",
    "veracity.analyzers.provenance.watermark:InvisibleWatermarkAnalyzer",
    "veracity.analyzers.image.noise:NoiseResidualAnalyzer",
    "veracity.analyzers.image.jpeg_quant:JpegQuantizationAnalyzer",
    "veracity.analyzers.image.double_jpeg:DoubleJpegAnalyzer",
    "veracity.analyzers.image.copy_move:CopyMoveAnalyzer",
    "veracity.analyzers.image.spectrum:SpectrumAnalyzer",
    "veracity.analyzers.face.signals:BlendingAnalyzer",
    "veracity.analyzers.face.signals:LandmarkJitterAnalyzer",
    "veracity.analyzers.face.signals:HeadPoseAnalyzer",
    "veracity.analyzers.face.signals:BlinkAnalyzer",
    "veracity.analyzers.face.signals:LipSyncAnalyzer",
    "veracity.analyzers.face.signals:PulseAnalyzer",
    "veracity.analyzers.face.signals:IdentityDriftAnalyzer",
    "veracity.analyzers.face.signals:FaceTimelineAnalyzer",
    "veracity.analyzers.audio.speech:SpeechActivityAnalyzer",
    "veracity.analyzers.audio.aasist:AasistAnalyzer",
    "veracity.analyzers.audio.voice_forensics:VoiceForensicsAnalyzer",
    "veracity.analyzers.audio.speaker_consistency:SpeakerConsistencyAnalyzer",
    "veracity.analyzers.learned.ai_image:AiImageAnalyzer",
    "veracity.analyzers.learned.ai_video:AiVideoAnalyzer",
    "veracity.analyzers.learned.face_video_temporal:FaceVideoTemporalAnalyzer",
    "veracity.analyzers.learned.mesonet:MesoNetAnalyzer",
    "veracity.analyzers.learned.face_forgery:FaceForgeryAnalyzer",
)


def _load_reference(reference: str) -> type[Analyzer]:
    module_name, _, class_name = reference.partition(":")
    analyzer = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(analyzer, type) and issubclass(analyzer, Analyzer)):
        raise VeracityError(f"{reference} is not an Analyzer subclass")
    return analyzer


@cache
def available() -> dict[str, type[Analyzer]]:
    """Every analyzer class by id; a broken third-party plug-in is skipped, never fatal."""
    found: dict[str, type[Analyzer]] = {}
    for reference in BUILTIN:
        analyzer = _load_reference(reference)
        found[analyzer.info.id] = analyzer
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            analyzer = _load_reference(entry.value)
        except Exception:  # noqa: BLE001 - a broken plug-in must not break the tool
            continue
        found.setdefault(analyzer.info.id, analyzer)
    return found


def for_profile(profile: Profile, analyzer_ids: Sequence[str] | None = None) -> list[type[Analyzer]]:
    """The analyzers an analysis runs: those named (any cost), else every registered one the profile's cost cap
    allows. The one place this is decided (scanner, scan signature, server listing, bench)."""
    if analyzer_ids:
        return [get(i) for i in analyzer_ids]
    max_cost = PROFILE_MAX_COST[profile]
    return [cls for cls in available().values() if cls.info.cost <= max_cost]


def get(analyzer_id: str) -> type[Analyzer]:
    """The analyzer with this id; ``package.module:Class`` also loads a class that is not registered (to try an
    analyzer before packaging it, and for tests)."""
    if ":" in analyzer_id:
        return _load_reference(analyzer_id)
    try:
        return available()[analyzer_id]
    except KeyError:
        known = ", ".join(sorted(available()))
        raise VeracityError(f"unknown analyzer {analyzer_id!r} (known: {known})") from None
