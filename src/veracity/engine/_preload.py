"""Imported once by the fork server that starts worker processes, so each starts with Veracity loaded.

Only modules that start no threads at import: a forked child inherits no threads, and locks held by one
would stay locked. Analyzer modules keep their heavy imports inside ``load``/``analyze``.
"""

from __future__ import annotations

import numpy  # noqa: F401
import PIL.Image  # noqa: F401

import veracity.engine.isolation  # noqa: F401
import veracity.engine.task  # noqa: F401
import veracity.report.html  # noqa: F401
import veracity.scanner  # noqa: F401
from veracity.analyzers import registry

registry.available()
