"""Turn analyzer results into one verdict: decisive evidence first, else a weighted log-odds combination."""

from veracity.fusion.v0 import INCONCLUSIVE_BAND, fuse

__all__ = ["INCONCLUSIVE_BAND", "fuse"]
