"""Native libraries' informational log lines (MediaPipe glog, TFLite) are kept off stderr; errors still show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import os
from veracity._native_logs import filtered_native_logs

with filtered_native_logs():
    os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
    os.write(2, b"W0000 00:00:1796661252.149192   14263 inference_feedback_manager.cc:114] Feedback manager\n")
    os.write(2, b"E0000 00:00:1796661252.149192   14263 graph.cc:1] a real error\n")
    with filtered_native_logs():  # nested blocks share one filter
        os.write(2, b"I0000 00:00:1.0 1 gl_context.cc:1] chatter\nplain text stays\n")
os.write(2, b"after the block\n")

# The real thing: an analysis that runs MediaPipe's face detector and mesh.
import sys
from PIL import Image
from skimage import data
import veracity

Image.fromarray(data.astronaut()).save(sys.argv[1], quality=92)
report = veracity.check(sys.argv[1], analyzers=["face.blending"])
print(report.results[0].status.value)
"""


def test_informational_native_lines_are_dropped_and_errors_kept(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "face.jpg")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"  # the astronaut's face was found and judged
    err = run.stderr
    assert "a real error" in err and "plain text stays" in err and "after the block" in err
    for noise in ("XNNPACK", "inference_feedback_manager", "gl_context", "landmark_projection", "absl::InitializeLog"):
        assert noise not in err, err
