from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mediapipe")
pytest.importorskip("cv2")
pytest.importorskip("skimage")


@pytest.fixture(scope="session")
def face_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real-face clip (skimage's astronaut, small head motions) and manipulated versions of it."""
    from training.manipulations.face_swap import (
        astronaut_clip,
        clip_landmarks,
        face_swap,
        manipulate_clip,
        self_blend,
        write_clip,
    )

    folder = tmp_path_factory.mktemp("face_clips")
    frames = astronaut_clip(frames=36)
    donor = np.ascontiguousarray(frames[0][:, ::-1])  # a second face: mirrored, so warped onto another geometry
    donor_landmarks = clip_landmarks([donor])[0]
    swapped = manipulate_clip(frames, lambda f, lm, i: face_swap(donor, f, donor_landmarks, lm))
    blended = manipulate_clip(frames, lambda f, lm, i: self_blend(f, lm, np.random.default_rng(7)))
    return {
        "real": write_clip(folder / "real.mp4", frames),
        "swap": write_clip(folder / "swap.mp4", swapped),
        "self_blend": write_clip(folder / "self_blend.mp4", blended),
    }
