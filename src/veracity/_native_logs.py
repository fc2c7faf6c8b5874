"""Keep native libraries' chatter (MediaPipe's glog, TensorFlow Lite) out of the terminal and the Python API's
stderr, without hiding their real errors.

Those libraries write from C++ threads straight to file descriptor 2, so ``sys.stderr`` redirection can't catch
them. ``filtered_native_logs()`` points fd 2 at a pipe for as long as a block runs; a reader thread passes every
line through to the real stderr except known informational ones (glog ``I``/``W`` lines, TFLite's "Created
TensorFlow Lite XNNPACK delegate", absl's "All log messages before absl::InitializeLog()" notice). Errors (``E``,
``F`` lines) and anything unrecognised still come through. Nested and concurrent blocks share one redirection.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NOISE = re.compile(
    rb"^(?:[IW]\d{4} [\d:. ]+\s*\d+ [\w./-]+:\d+\]"  # glog INFO / WARNING
    rb"|INFO: Created TensorFlow Lite"  # TFLite delegate notice
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)"
)

_lock = threading.Lock()
_state: dict[str, object] = {"depth": 0}


def is_noise(line: bytes) -> bool:
    return NOISE.match(line.lstrip()) is not None


def _pump(read_fd: int, out_fd: int) -> None:
    pending = b""
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if not is_noise(line))
            if kept:
                os.write(out_fd, kept)
    if pending and not is_noise(pending):
        os.write(out_fd, pending)


@contextmanager
def filtered_native_logs() -> Iterator[None]:
    """Filter fd 2 while the block runs (see the module docstring)."""
    with _lock:
        depth = int(_state["depth"])  # type: ignore[call-overload]
        if depth == 0:
            try:
                saved = os.dup(2)
                read_fd, write_fd = os.pipe()
            except OSError:  # no fd 2 (a daemon): nothing to filter
                saved = -1
            if saved >= 0:
                os.dup2(write_fd, 2)
                os.close(write_fd)
                reader = threading.Thread(target=_pump, args=(read_fd, saved), name="native-log-filter", daemon=True)
                reader.start()
                _state.update(saved=saved, reader=reader)
        _state["depth"] = depth + 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] = int(_state["depth"]) - 1  # type: ignore[call-overload]
            if _state["depth"] == 0 and "saved" in _state:
                saved_fd = int(_state.pop("saved"))  # type: ignore[call-overload]
                reader_thread = _state.pop("reader")
                os.dup2(saved_fd, 2)  # closes the pipe's last write end: the reader drains and stops
                assert isinstance(reader_thread, threading.Thread)
                reader_thread.join(timeout=2)
                os.close(saved_fd)
