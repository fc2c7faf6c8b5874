"""Veracity: is this video, image or audio clip AI-made or real, and why?

Public API: ``check(path) -> Report``; ``Report``, ``Verdict`` and the other evidence types live in
``veracity.evidence``. Heavy modules load only inside the analyzers that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Report", "Settings", "Verdict", "VerdictLabel", "__version__", "check"]

if TYPE_CHECKING:
    from veracity.config import Settings
    from veracity.evidence import Report, Verdict, VerdictLabel
    from veracity.scanner import check

_LAZY = {
    "check": "veracity.scanner",
    "Report": "veracity.evidence",
    "Verdict": "veracity.evidence",
    "VerdictLabel": "veracity.evidence",
    "Settings": "veracity.config",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'veracity' has no attribute {name!r}")
