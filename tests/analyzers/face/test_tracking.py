from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from veracity.evidence import MediaKind
from veracity.media.video import Frame


def _media(frames: list[np.ndarray], kind: MediaKind = MediaKind.VIDEO) -> SimpleNamespace:
    return SimpleNamespace(width=frames[0].shape[1], height=frames[0].shape[0], kind=kind)


def test_two_faces_one_entering_later_give_two_tracks() -> None:
    from training.manipulations.face_swap import astronaut_clip

    from veracity.analyzers.face._tracking import track_faces

    faces = astronaut_clip(frames=24, size_px=320)
    blank = np.full_like(faces[0], 128)
    frames = [np.concatenate([f, f[:, ::-1] if i >= 12 else blank], axis=1) for i, f in enumerate(faces)]
    tracks = track_faces([Frame(i, i / 12, f) for i, f in enumerate(frames)], _media(frames))
    assert len(tracks.tracks) == 2
    first, second = tracks.tracks
    assert first.start_s == 0.0 and len(first.observations) == 24
    assert second.start_s >= 0.95 and len(second.observations) >= 10
    assert tracks.max_faces_in_frame == 2
    assert second.observations[0].box_xyxy_px[0] >= 320  # the mirrored face is on the right
    crop = first.crops[0][2]
    assert crop.shape == (224, 224, 3)
    assert first.meshed[0].landmarks.shape == (468, 3)


def test_face_leaving_and_coming_back_starts_a_new_track() -> None:
    from training.manipulations.face_swap import astronaut_clip

    from veracity.analyzers.face._tracking import track_faces

    faces = astronaut_clip(frames=30, size_px=320)
    frames = [np.full_like(f, 90) if 10 <= i < 20 else f for i, f in enumerate(faces)]
    tracks = track_faces([Frame(i, i / 12, f) for i, f in enumerate(frames)], _media(frames))
    assert [len(t.observations) for t in tracks.tracks] == [10, 10]
    assert tracks.frames_with_faces == 20


def test_single_image_is_one_still_track() -> None:
    from skimage import data

    from veracity.analyzers.face._tracking import track_faces

    rgb = data.astronaut()
    tracks = track_faces([Frame(0, 0.0, rgb)], _media([rgb], MediaKind.IMAGE))
    assert tracks.is_still and len(tracks.tracks) == 1
    box = tracks.tracks[0].observations[0].box_xyxy_px
    assert 150 < (box[0] + box[2]) / 2 < 320  # the astronaut's face, not the rocket
