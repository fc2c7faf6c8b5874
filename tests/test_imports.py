"""Heavy modules load only inside the analyzers that need them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "cv2", "mediapipe", "av", "onnxruntime", "sklearn", "c2pa", "ray")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(m for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_veracity_is_light() -> None:
    modules = _imported_after("import veracity; veracity.Report; veracity.check")
    assert not modules & set(HEAVY), modules & set(HEAVY)


def test_cli_help_and_analyzer_listing_are_light() -> None:
    code = (
        "import sys\nfrom veracity.cli import app\nfrom veracity.analyzers import registry\n"
        "registry.available()\nsys.argv=['veracity','--help']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    modules = _imported_after(code)
    assert not modules & set(HEAVY), modules & set(HEAVY)
