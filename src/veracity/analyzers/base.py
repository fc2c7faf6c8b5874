"""What an analyzer is: frozen metadata, small frozen params, an explicit ``load()``, one ``analyze()``.

The base class owns what every analyzer would otherwise repeat: its params (``Params`` builds the defaults),
the dependency and model checks behind ``missing_dependency`` (``AnalyzerInfo.requires`` / ``models``), and the
evidence tags fusion routes by (``AnalyzerInfo.evidence``).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from veracity.config import Settings
from veracity.errors import VeracityError
from veracity.evidence import AnalyzerResult, Artifact, Finding, MediaInfo, MediaKind, Status

if TYPE_CHECKING:
    from veracity.media.image import WorkingImage

T = TypeVar("T")
P = TypeVar("P")
# The cache keys of the shared decodes of each kind's own content (pixels, frames, samples).
_DECODES = {MediaKind.IMAGE: re.compile(r"image\.rgb"), MediaKind.VIDEO: re.compile(r"video\.frames"),
            MediaKind.AUDIO: re.compile(r"audio\.\d+")}


def _importable(module: str) -> bool:
    """Whether a top-level module can be imported. One already in ``sys.modules`` counts even while another thread
    is still importing it (the start-up overlaps imports): ``find_spec`` raises ValueError for a module whose
    ``__spec__`` is not set yet, as OpenCV's loader leaves ``cv2`` for a moment."""
    if module in sys.modules:
        return True
    return importlib.util.find_spec(module) is not None


@dataclass(frozen=True)
class AnalyzerInfo:
    """Read without running anything heavy: the registry lists analyzers from this alone."""

    id: str  # stable dotted id, e.g. image.ela
    version: str
    title: str
    summary: str
    media_kinds: frozenset[MediaKind]
    requires: tuple[str, ...] = ()  # importable module names
    extra: str | None = None  # the pip extra that brings ``requires``
    cost: int = 1  # 1 cheap, 2 moderate, 3 slow; profiles cap it
    fusion_weight: float = 1.0  # weight of logit(p_synthetic) where the trained fusion has none (plug-ins)
    models: tuple[str, ...] = ()  # names in veracity.models.registry it needs; absent -> missing_dependency
    evidence: frozenset[str] = frozenset()  # what it looks at: {"face"} routes the verdict to the face model
    # Shared video work it reads from the context ("video.frames", "learned.temporal.clip", "face.tracks"): the
    # scanner tells the context, so one decoding pass makes what all of a file's analyzers read.
    shares: frozenset[str] = frozenset()

    def missing_modules(self) -> list[str]:
        return [name for name in self.requires if not _importable(name.split(".")[0])]

    def missing_models(self, store: Path | None = None) -> list[str]:
        """Declared models whose files are absent (a presence check; hashes are checked when they load)."""
        if not self.models:
            return []
        from veracity.models.registry import is_present

        return [name for name in self.models if not is_present(name, store)]

    def install_hint(self) -> str:
        target = f"veracity[{self.extra}]" if self.extra else " ".join(self.requires)
        return f"install it with: pip install '{target}'"

    def model_hint(self, names: tuple[str, ...] | list[str] | None = None) -> str:
        """What to do about these (default: all declared) models."""
        from veracity.models.registry import fetch_hint

        return "; ".join(fetch_hint(name) for name in (self.models if names is None else names))

    def missing(self, store: Path | None = None) -> tuple[str, str] | None:
        """Why this analyzer cannot run here (reason, hint), or None: the scanner's ``missing_dependency``."""
        if modules := self.missing_modules():
            return f"needs {', '.join(modules)}, which is not installed", self.install_hint()
        if models := self.missing_models(store):
            return f"needs the {', '.join(models)} model, which is not installed", self.model_hint(models)
        return None


def coverage(start_s: float, end_s: float, clip_s: float | None) -> str | None:
    """"covered 0.0–2.9 s of a 10.4-s clip" when an analyzer looked at only part of a timed file, else None.

    Analyzers that sample part of a clip say so in their message and put ``covered_s: [start, end]`` in the
    finding's data, which the web page's timeline reads."""
    if not clip_s or (start_s < 0.5 and end_s > clip_s - 0.5):
        return None
    return f"covered {start_s:.1f}–{end_s:.1f} s of a {clip_s:.1f}-s clip"


# Sample times are rounded to 0.1 ms and NTSC sources sit on the limits (every 3rd frame of a 29.97/s video is
# 100.1 ms from the last): a spacing within 1 % of a measurement's limit counts as within it.
SPACING_TOLERANCE = 1.01
SPARSE_FRAMES = "too far apart to measure"  # in every reason ``too_sparse`` gives (the verdict's "missing" list)


def too_sparse(spacing_s: float, max_spacing_s: float, what: str, why: str) -> str | None:
    """Why an analyzer that follows something over time cannot judge when the frames it was given are
    ``spacing_s`` apart (the median time between the frames it actually sampled, not the container's rate) and
    ``what`` it measures needs at most ``max_spacing_s``; None when they are close enough. ``why`` says why it
    needs that spacing. Analyzers abstain with this reason; the verdict lists it among what could not be checked."""
    if spacing_s <= max_spacing_s * SPACING_TOLERANCE:
        return None
    return (f"the frames examined are {spacing_s * 1000:.0f} ms apart ({1 / spacing_s:.1f} a second), {SPARSE_FRAMES} "
            f"{what} ({why})")


class AnalysisCancelled(Exception):  # noqa: N818 - control flow, not an error the user sees
    """Raised inside an analyzer's thread once the scanner has given up on it (time limit, or the file is done)."""


@dataclass
class AnalysisContext:
    """Shared, costly work for one file, computed once and reused by every analyzer.

    Analyzers of one file may run in parallel threads: ``cached`` computes each value once under a per-key lock
    (a second analyzer asking for it waits for the first one's result instead of computing it again), and raises
    ``AnalysisCancelled`` in a thread whose analyzer the scanner has given up on, so a timed-out analyzer stops at
    its next shared step instead of starting new decodes.

    Pictures come as a small pyramid: ``image()`` is the full-resolution decode, for analyzers that need the
    exact pixel grid (JPEG blocks, watermarks) or whose learned features are defined on it; ``working_image()`` is
    a copy bounded to ``WORKING_MAX_SIDE_PX`` for analyzers that read content, not the pixel grid.

    A shared decode that fails is not tried again by the next analyzer: the failure is kept and raised again, and
    ``decode_failure`` tells the scanner that the file's pixels or samples could not be read at all.
    """

    media: MediaInfo
    settings: Settings = field(default_factory=Settings)
    # Shared video products the file's planned analyzers will read (``AnalyzerInfo.shares``); None: not known.
    expected: frozenset[str] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _locks: dict[str, Any] = field(default_factory=dict, repr=False)  # one re-entrant lock per key
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancelled: set[int] = field(default_factory=set, repr=False)  # thread idents the scanner gave up on
    _closed: bool = field(default=False, repr=False)
    _failed: dict[str, VeracityError] = field(default_factory=dict, repr=False)

    @property
    def path(self) -> Path:
        return Path(self.media.path)

    @property
    def closed(self) -> bool:
        return self._closed

    def checkpoint(self) -> None:
        """Raise ``AnalysisCancelled`` if the scanner has given up on the calling analyzer (call in long loops)."""
        if self._closed or threading.get_ident() in self._cancelled:
            raise AnalysisCancelled("the scanner stopped waiting for this analyzer")

    def cancel_thread(self, ident: int) -> None:
        self._cancelled.add(ident)

    def resume_thread(self, ident: int) -> None:
        self._cancelled.discard(ident)

    def close(self) -> None:
        """The file is done: every later ``cached``/``checkpoint`` call raises, and cached values are dropped."""
        self._closed = True
        with self._guard:
            self._cache.clear()

    def lock(self, name: str) -> Any:
        """A re-entrant lock for work that fills several cached keys at once (one per ``name`` and file)."""
        with self._guard:
            return self._locks.setdefault(f"lock:{name}", threading.RLock())

    def has(self, key: str) -> bool:
        return key in self._cache

    def offer(self, key: str, value: Any) -> None:
        """Cache a value computed as a by-product of other work, unless the key already has one."""
        if not self._closed:
            self._cache.setdefault(key, value)

    @property
    def decode_failure(self) -> VeracityError | None:
        """Why the media's own content (the picture, the video's frames, the audio's samples) could not be
        decoded, when an analyzer asked for it and it failed; None otherwise."""
        own = _DECODES[self.media.kind]
        return next((exc for key, exc in list(self._failed.items()) if own.fullmatch(key)), None)

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        self.checkpoint()
        if key in self._failed:
            raise self._failed[key]
        if key in self._cache:
            return self._cache[key]  # type: ignore[no-any-return]
        with self._guard:
            lock = self._locks.setdefault(key, threading.RLock())
        with lock:
            if key in self._failed:
                raise self._failed[key]
            if key not in self._cache:
                self.checkpoint()
                try:
                    value = compute()  # finished work is shared even if its analyzer was given up on meanwhile
                except VeracityError as exc:
                    self._failed[key] = exc  # not tried again by the next analyzer
                    raise
                if self._closed:
                    return value
                self._cache[key] = value
            return self._cache[key]  # type: ignore[no-any-return]

    def image(self) -> np.ndarray:
        """The still image as upright RGB at full resolution (for video: not available, use frames())."""
        from veracity.media.image import load_rgb

        return self.cached("image.rgb", lambda: load_rgb(self.path, self.settings.limits))

    def working_image(self) -> WorkingImage:
        """The still image bounded to ``WORKING_MAX_SIDE_PX`` (integer box reduction of ``image()``), with the
        factor that maps its pixels back to the full picture's."""
        from veracity.media.image import working_copy

        return self.cached("image.working", lambda: working_copy(self.image()))

    def frames(self) -> list[Any]:
        """Sampled video frames (``veracity.media.video.Frame``) under the profile's plan."""
        return self.video_product("video.frames")  # type: ignore[no-any-return]

    def video_product(self, name: str) -> Any:
        """Shared video work made in one decoding pass with the file's other shared video work: ``video.frames``,
        ``learned.temporal.clip``, ``face.tracks`` (see ``veracity.analyzers._video_pass``)."""
        from veracity.analyzers._video_pass import shared_product

        return self.cached(name, lambda: shared_product(self, name))

    def audio(self, sample_rate_hz: int | None = None) -> np.ndarray:
        from veracity.media.audio import load_mono

        rate = sample_rate_hz or self.settings.audio_sample_rate_hz
        return self.cached(
            f"audio.{rate}",
            lambda: load_mono(self.path, rate, max_seconds=self.settings.limits.max_duration_s,
                              expected_s=self.media.duration_s, container=self.media.container),
        )


class Analyzer(ABC, Generic[P]):
    """Subclass, set ``info`` (and ``Params``, a frozen dataclass of tunables, if it has any), implement
    ``analyze``: ``class EdgeAnalyzer(Analyzer[EdgeParams]): Params = EdgeParams``. ``self.params`` is the
    params given, or ``Params()``."""

    info: ClassVar[AnalyzerInfo]
    Params: ClassVar[Callable[[], Any] | None] = None
    # Heavy modules its analysis imports (e.g. "scipy.ndimage"): imported by ``load``, once per worker, so their
    # import time is not part of the first file's analysis.
    imports: ClassVar[tuple[str, ...]] = ()
    params: P

    def __init__(self, params: P | None = None) -> None:
        if params is None and type(self).Params is not None:
            params = type(self).Params()  # type: ignore[misc]
        self.params = params  # type: ignore[assignment]

    def load(self) -> None:
        """Load weights or other heavy state. Called once, after dependencies are checked; never at import. The
        default imports ``imports``; an override that has ``imports`` calls it too."""
        for module in self.imports:
            importlib.import_module(module)

    @abstractmethod
    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        """Look at the media and return a result. Expected absences are statuses; faults raise."""

    def result(
        self,
        status: Status,
        *,
        p_synthetic: float | None = None,
        findings: tuple[Finding, ...] | list[Finding] = (),
        artifacts: tuple[Artifact, ...] | list[Artifact] = (),
        reason: str | None = None,
        hint: str | None = None,
    ) -> AnalyzerResult:
        """Build this analyzer's result (the scanner fills in the time)."""
        return AnalyzerResult(
            analyzer_id=self.info.id,
            analyzer_version=self.info.version,
            status=status,
            p_synthetic=None if p_synthetic is None else float(np.clip(p_synthetic, 0.0, 1.0)),
            findings=tuple(findings),
            artifacts=tuple(artifacts),
            reason=reason,
            hint=hint,
        )

    def not_applicable(self, why: str) -> AnalyzerResult:
        return self.result(Status.NOT_APPLICABLE, reason=why)

    def abstain(self, why: str) -> AnalyzerResult:
        return self.result(Status.ABSTAINED, reason=why)

