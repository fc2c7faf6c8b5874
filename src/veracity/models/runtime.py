"""onnxruntime sessions, opened the one way every shipped model runs: on the CPU, a fixed number of threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def inference_session(path: Path | str, *, threads: int, log_severity: int | None = None) -> Any:
    """An ``onnxruntime.InferenceSession`` with ``threads`` intra-op threads, one inter-op thread, and worker
    threads that sleep rather than spin between runs: the analyzers of a file run side by side, and a thread
    spinning for its next batch takes the core another analyzer needs (the outputs are the same either way)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if log_severity is not None:
        options.log_severity_level = log_severity
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
