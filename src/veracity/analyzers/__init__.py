"""Analyzer plug-ins: each looks at one line of evidence and returns an ``AnalyzerResult``."""

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo

__all__ = ["AnalysisContext", "Analyzer", "AnalyzerInfo"]
