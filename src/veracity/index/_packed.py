"""The whole index in flat arrays, so one query is compared with every stored frame in a few numpy passes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.index._landmarks import AudioHit, Landmarks, search
from veracity.index._pdq import HASH_BYTES, NO_MATCH, Views, _popcount64, hamming
from veracity.index.fingerprint import Fingerprint


@dataclass
class FramePack:
    """Stored frames sharing one window grid: still images (dense grid) or video frames (sparse grid)."""

    frame_entry: np.ndarray  # int [F]
    frame_time_s: np.ndarray  # float [F]
    all_hashes: np.ndarray  # primaries and valid windows, uint8 [N, 32]
    all_owner: np.ndarray  # frame of each, int [N]
    primary: np.ndarray  # uint8 [P, 32]
    primary_owner: np.ndarray  # int [P]
    windows: np.ndarray  # uint8 [F, w, 32]
    window_ok: np.ndarray  # bool [F, w]

    @classmethod
    def build(cls, frames: list[tuple[int, float, Views]]) -> FramePack:
        w = frames[0][2].windows.shape[0] if frames else 0
        entry = np.asarray([e for e, _, _ in frames], np.int64)
        times = np.asarray([t for _, t, _ in frames], np.float64)
        primary = [v.primary for _, _, v in frames]
        windows = [v.windows[v.window_ok] for _, _, v in frames]
        empty = np.zeros((0, HASH_BYTES), np.uint8)
        all_hashes = np.concatenate(primary + windows) if frames else empty
        all_owner = np.concatenate(
            [np.full(len(p), i) for i, p in enumerate(primary)] + [np.full(len(x), i) for i, x in enumerate(windows)]
        ).astype(np.int64) if frames else np.zeros(0, np.int64)
        return cls(
            frame_entry=entry,
            frame_time_s=times,
            all_hashes=all_hashes,
            all_owner=all_owner,
            primary=np.concatenate(primary) if frames else empty,
            primary_owner=np.concatenate([np.full(len(p), i) for i, p in enumerate(primary)]).astype(np.int64)
            if frames else np.zeros(0, np.int64),
            windows=np.stack([v.windows for _, _, v in frames]) if frames else np.zeros((0, w, HASH_BYTES), np.uint8),
            window_ok=np.stack([v.window_ok for _, _, v in frames]) if frames else np.zeros((0, w), bool),
        )

    def distances(self, query: tuple[Views, ...]) -> np.ndarray:
        """Distance from one query frame (its straight and mirror views) to every stored frame → uint16 [F]."""
        out = np.full(len(self.frame_entry), NO_MATCH, np.uint16)
        if len(out) == 0:
            return out
        for views in query:
            if len(views.primary) and len(self.all_hashes):
                np.minimum.at(out, self.all_owner, hamming(views.primary, self.all_hashes).min(axis=0))
            query_windows = views.windows[views.window_ok]
            if len(query_windows) and len(self.primary):
                np.minimum.at(out, self.primary_owner, hamming(query_windows, self.primary).min(axis=0))
            if views.windows.shape[0] == self.windows.shape[1] and views.window_ok.any():
                both = self.window_ok & views.window_ok[None, :]
                xor = self.windows.view(np.uint64) ^ views.windows.view(np.uint64)[None]
                bits = _popcount64(xor).sum(axis=2, dtype=np.uint16)
                bits[~both] = NO_MATCH
                np.minimum(out, bits.min(axis=1), out=out)
        return out


@dataclass
class AudioPack:
    hashes: np.ndarray
    frames: np.ndarray
    entry: np.ndarray

    @classmethod
    def build(cls, prints: list[tuple[int, Landmarks]]) -> AudioPack:
        if not prints:
            return cls(np.zeros(0, np.uint32), np.zeros(0, np.int32), np.zeros(0, np.int64))
        hashes = np.concatenate([p.hashes for _, p in prints])
        frames = np.concatenate([p.anchor_frames for _, p in prints])
        entry = np.concatenate([np.full(len(p.hashes), e, np.int64) for e, p in prints])
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], frames[order], entry[order])

    def search(self, query: Landmarks) -> list[AudioHit]:
        return search(query, self.hashes, self.frames, self.entry)


@dataclass
class PackedIndex:
    fingerprints: list[Fingerprint]
    stills: FramePack
    video: FramePack
    audio: AudioPack

    @classmethod
    def build(cls, fingerprints: list[Fingerprint]) -> PackedIndex:
        stills: list[tuple[int, float, Views]] = []
        video: list[tuple[int, float, Views]] = []
        audio: list[tuple[int, Landmarks]] = []
        for e, fp in enumerate(fingerprints):
            target = stills if fp.dense else video
            target.extend((e, float(t), views[0]) for t, views in zip(fp.frame_times_s, fp.frames, strict=True))
            if fp.audio is not None and not fp.audio.empty:
                audio.append((e, fp.audio))
        return cls(fingerprints, FramePack.build(stills), FramePack.build(video), AudioPack.build(audio))
