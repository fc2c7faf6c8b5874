"""The ``veracity`` command. Sub-commands import what they need when they run, so ``--help`` stays light."""

from veracity.cli.app import app, main

__all__ = ["app", "main"]
