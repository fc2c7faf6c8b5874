"""The face-forgery trainer's calibration candidates (``training.face_forgery.train.calibrate``) and its choice rule,
on logits whose right answer can be worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from training.corpora import Row
from training.face_forgery.train import calibrate, choose

from veracity.bench.manifest import ManifestRow


def _rows(methods: list[str]) -> dict[str, Row]:
    """One row per entry: "" = a real camera clip, else a fake made by that MANIFEST method."""
    out = {}
    for i, method in enumerate(methods):
        manifest = ManifestRow(category="face_video", label="fake" if method else "real", path=f"clip{i}.mp4",
                               method=method, source_repo=f"repo{i % 4}")
        row = Row(corpus="train", root=Path("/nowhere"), manifest=manifest)
        out[row.key] = row
    return out


def _p(scale_offset: tuple[float, float], z: np.ndarray) -> np.ndarray:
    scale, offset = scale_offset
    return 1 / (1 + np.exp(-(scale * z + offset)))


def test_the_self_calibration_follows_the_probe_s_own_task_whatever_the_corpus_fakes_say() -> None:
    # the bank: real crops around -1, synthetic blends around +1, overlapping (held out); NaN = never held out
    spread = np.linspace(-1.5, 1.5, 40)
    bank_y = np.array([0] * 40 + [1] * 40 + [0, 1])
    bank_z = np.concatenate([spread - 1, spread + 1, [np.nan, np.nan]])
    # corpus files running against the labels (whole-face renders that look smoother than camera faces)
    rows = _rows([""] * 10 + ["talking-head"] * 10)
    file_z = {k: (0.5 if rows[k].y == 0 else -0.5) + 0.01 * i for i, k in enumerate(rows)}
    fitted = calibrate("self", rows, file_z, bank_z, bank_y)
    assert fitted[0] > 0.5  # monotone in the probe's logit, and not the constant "no evidence"
    p = _p(fitted, np.array([-2.0, 0.0, 2.0]))
    assert p[0] < 0.2 < 0.8 < p[2] and p[1] == pytest.approx(0.5, abs=0.01)  # symmetric classes
    assert calibrate("files", rows, file_z, bank_z, bank_y) == (0.0, -0.01)  # the same files: no evidence


def test_the_seam_calibration_leaves_whole_face_renders_out() -> None:
    methods = [""] * 12 + ["lip-sync"] * 6 + ["faceswap"] * 2 + ["talking-head"] * 30
    rows = _rows(methods)
    z = {"": -1.0, "lip-sync": 1.0, "faceswap": 1.5, "talking-head": -2.0}
    file_z = {k: z[rows[k].manifest.method] + 0.3 * np.sin(i) for i, k in enumerate(rows)}
    nothing = np.full(3, np.nan), np.zeros(3, int)
    assert calibrate("files", rows, file_z, *nothing) == (0.0, -0.01)  # the renders drag the slope below 0
    scale, offset = calibrate("seam", rows, file_z, *nothing)
    assert scale > 0
    p = _p((scale, offset), np.array([-1.0, 1.0]))
    assert p[0] < 0.5 < p[1]
    assert calibrate("signed", rows, file_z, *nothing)[0] < 0  # signed follows the renders the other way


def test_the_choice_takes_the_lowest_log_loss_and_breaks_near_ties_on_real_false_positives() -> None:
    assert choose({"a": {"log_loss": 0.60, "real_fpr": 0.03}, "b": {"log_loss": 0.65, "real_fpr": 0.0}}) == "a"
    assert choose({"a": {"log_loss": 0.600, "real_fpr": 0.03}, "b": {"log_loss": 0.605, "real_fpr": 0.01}}) == "b"
    with pytest.raises(ValueError):
        choose({})


def test_a_calibration_that_accuses_real_faces_alone_is_not_eligible_however_good_its_log_loss() -> None:
    figures = {"sharp": {"log_loss": 0.55, "real_fpr": 0.26}, "constant": {"log_loss": 0.693, "real_fpr": 0.0}}
    assert choose(figures) == "constant"
    figures["sharp"]["real_fpr"] = 0.04
    assert choose(figures) == "sharp"
