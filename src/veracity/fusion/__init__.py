"""Turn analyzer results into one verdict: decisive evidence first, else a calibrated model of analyzer outputs."""

from veracity.fusion.v1 import INCONCLUSIVE_BAND, METHOD, fuse

__all__ = ["INCONCLUSIVE_BAND", "METHOD", "fuse"]
