"""One decoding pass per video makes the face tracks, the temporal clip and the sampled frames, each exactly as
decoding it alone would, in any order of asking, from one analyzer thread or many."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.analyzers.base import AnalysisCancelled, AnalysisContext
from veracity.media.probe import probe

ALL = frozenset({"face.tracks", "learned.temporal.clip", "video.frames"})


def _landmarks(tracks: Any) -> list[np.ndarray]:
    return [o.landmarks for t in tracks.tracks for o in t.observations if o.landmarks is not None]


def _count_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from veracity.media import video

    passes: list[int] = []
    original = video._iter_av_multi

    def counting(*args: Any, **kwargs: Any) -> Any:
        passes.append(len(args[1]))  # samplings decoded together
        yield from original(*args, **kwargs)

    monkeypatch.setattr(video, "_iter_av_multi", counting)
    return passes


def test_face_tracks_clip_and_frames_come_from_one_pass_and_equal_separate_decodes(
        face_clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity._native_logs import filtered_native_logs
    from veracity.analyzers.face._tracking import default_hooks, face_frames, face_tracks, track_faces
    from veracity.analyzers.learned import _temporal
    from veracity.media.video import iter_frames

    path = face_clips["real"]
    alone = AnalysisContext(media=probe(path))
    with filtered_native_logs():
        expected_tracks = track_faces(face_frames(alone), alone.media, default_hooks())
    expected_clip = _temporal.read_clip(alone.media)
    expected_frames = list(iter_frames(alone.media, alone.settings.sampling))

    passes = _count_passes(monkeypatch)
    ctx = AnalysisContext(media=probe(path), expected=ALL)
    frames = ctx.frames()  # asked first from this one thread: the tracks are made meanwhile, not waited on
    tracks = face_tracks(ctx)
    clip = _temporal.cached_clip(ctx, ctx.media)
    ctx.close()
    assert passes == [3]
    assert [(f.index, f.time_s) for f in frames] == [(f.index, f.time_s) for f in expected_frames]
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(frames, expected_frames, strict=True))
    assert np.array_equal(clip.frame_idx, expected_clip.frame_idx) and np.array_equal(clip.grey, expected_clip.grey)
    assert tracks.frame_count == expected_tracks.frame_count > 20 and len(tracks.tracks) == 1
    got, want = _landmarks(tracks), _landmarks(expected_tracks)
    assert len(got) == len(want) > 20 and all(np.allclose(a, b, atol=1e-3) for a, b in zip(got, want, strict=True))


def test_many_threads_asking_in_any_order_share_the_pass(face_clips: dict[str, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.analyzers.face._tracking import face_tracks
    from veracity.analyzers.learned import _temporal

    passes = _count_passes(monkeypatch)
    ctx = AnalysisContext(media=probe(face_clips["swap"]), expected=ALL)
    asks = [lambda: face_tracks(ctx), lambda: _temporal.cached_clip(ctx, ctx.media), ctx.frames] * 2
    got: list[Any] = [None] * len(asks)

    def run(i: int) -> None:
        got[i] = asks[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(asks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert passes == [3]
    assert all(got[i] is got[i + 3] for i in range(3)) and got[0].tracks


def test_a_product_nobody_declared_gets_its_own_pass_and_a_closed_file_stops_waiting(
        face_clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.analyzers.face._tracking import face_tracks

    passes = _count_passes(monkeypatch)
    ctx = AnalysisContext(media=probe(face_clips["real"]), expected=frozenset({"video.frames"}))
    assert ctx.frames()
    assert face_tracks(ctx).tracks
    assert passes == [1, 1]
    late = AnalysisContext(media=probe(face_clips["real"]), expected=ALL)
    late.close()
    with pytest.raises(AnalysisCancelled):
        face_tracks(late)
