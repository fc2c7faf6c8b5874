"""Find analyzers: every ``Analyzer`` subclass defined in a public module of a line-of-evidence package
(``veracity.analyzers.provenance``, ``image``, ``face``, ``audio``, ``learned``), plus third-party ones from the
entry-point group ``veracity.analyzers``. A new built-in needs no registration: put its class in such a module.

Analyzer modules import their heavy dependencies inside ``load``/``analyze``, so listing them is cheap.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Sequence
from functools import cache
from importlib.metadata import entry_points

from veracity.analyzers.base import Analyzer
from veracity.config import PROFILE_MAX_COST, Profile
from veracity.errors import VeracityError

ENTRY_POINT_GROUP = "veracity.analyzers"
LINES = ("provenance", "image", "face", "audio", "learned")  # report order: provenance (decisive) first


def builtin_classes() -> list[type[Analyzer]]:
    """The built-ins, found by walking the line packages: public modules (no leading ``_``), public classes
    defined there, in line, module and definition order."""
    found: list[type[Analyzer]] = []
    for line in LINES:
        package = importlib.import_module(f"veracity.analyzers.{line}")
        for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if module_info.name.startswith("_") or module_info.ispkg:
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            found.extend(c for c in vars(module).values()  # a module's globals keep definition order
                         if isinstance(c, type) and c.__module__ == module.__name__ and not c.__name__.startswith("_")
                         and issubclass(c, Analyzer) and not inspect.isabstract(c) and hasattr(c, "info"))
    return found


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
    for analyzer in builtin_classes():
        if analyzer.info.id in found:
            raise VeracityError(f"two built-in analyzers share the id {analyzer.info.id!r}")
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


def markdown_table() -> str:
    """The analyzers' documentation, generated from their ``AnalyzerInfo`` (``veracity analyzers --markdown``)."""
    lines = ["| analyzer | title | media | cost | declared weight | needs | what it looks at |",
             "|---|---|---|---|---|---|---|"]
    for analyzer_id, cls in available().items():
        info = cls.info
        needs = ", ".join([*(f"`{m}`" for m in info.requires), *(f"model `{m}`" for m in info.models)]) or "-"
        kinds = ", ".join(sorted(k.value for k in info.media_kinds))
        lines.append(f"| `{analyzer_id}` | {info.title} | {kinds} | {info.cost} | {info.fusion_weight:g} | {needs} | "
                     f"{info.summary} |")
    return "\n".join(lines) + "\n"
