"""Decoding only: find what a file is (by content), check limits, and decode images, frames and audio."""

from veracity.media.probe import probe, sniff_container

__all__ = ["probe", "sniff_container"]
