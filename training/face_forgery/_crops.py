"""Aligned face crops of corpus files, as ``learned.face_forgery`` sees them, cached on disk.

For every file and protocol variant ("plain": as it is; "laundered": ``veracity bench --launder``'s platform
recipe; "neutral": the protocol's neutral recipe) the face pipeline (``veracity.analyzers.face._tracking``) runs
under the default profile, exactly as at analysis time; per track the crops the analyzer scores (up to
``CROPS_PER_TRACK``, evenly spread) are kept with their 468 crop landmarks (NaN where the mesh failed). Results are
cached by the file's sha256, the variant and this module's code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CROPS_PER_TRACK = 16  # = FaceForgeryParams.max_crops_per_track
MAX_TRACKS = 4


@dataclass
class FileCrops:
    crops: np.ndarray  # n×224×224×3 uint8
    landmarks: np.ndarray  # n×468×2 float32, NaN where the face mesh gave none
    track: np.ndarray  # n track ids (1-based)

    @property
    def empty(self) -> bool:
        return len(self.crops) == 0


def _empty() -> FileCrops:
    return FileCrops(np.zeros((0, 224, 224, 3), np.uint8), np.zeros((0, 468, 2), np.float32), np.zeros(0, int))


CROPS_VERSION = "2"  # bump when ``extract`` changes what it keeps


def _code_version(variant: str, recipe: str) -> str:
    """The extraction's version and, for a damaged variant, its recipe version."""
    return f"v{CROPS_VERSION}-{variant}-{recipe}"


def extract(path: Path, profile: str = "default") -> FileCrops:
    """Run the face pipeline on ``path`` like the analyzer does (under ``profile``) and keep its scored crops."""
    from veracity.analyzers.base import AnalysisContext
    from veracity.analyzers.face._tracking import face_frames, track_faces
    from veracity.config import Profile, Settings
    from veracity.media.probe import probe
    from veracity.media.video import evenly_spread

    ctx = AnalysisContext(media=probe(path), settings=Settings(profile=Profile(profile)))
    tracks = track_faces(face_frames(ctx), ctx.media, {})
    crops, marks, ids = [], [], []
    for track in [t for t in tracks.tracks if t.crops][:MAX_TRACKS]:
        by_frame = {o.frame_idx: o.crop_landmarks for o in track.observations}
        for frame_idx, _time_s, crop in evenly_spread(track.crops, CROPS_PER_TRACK):
            lm = by_frame.get(frame_idx)
            crops.append(crop)
            marks.append(np.full((468, 2), np.nan, np.float32) if lm is None else lm)
            ids.append(track.track_id)
    if not crops:
        return _empty()
    return FileCrops(np.stack(crops), np.stack(marks).astype(np.float32), np.array(ids))


def _job(job: tuple[str, str, str, Callable[[str, str], Path], str]) -> tuple[str, str]:
    path, variant, out, source_of, profile = job
    try:
        found = extract(source_of(path, variant), profile)
    except Exception as exc:  # noqa: BLE001 - undecodable file: recorded as faceless
        print(f"  {path} ({variant}): {type(exc).__name__}: {exc}", flush=True)
        found = _empty()
    tmp = Path(out).with_suffix(".part.npz")
    np.savez_compressed(tmp, crops=found.crops, landmarks=found.landmarks, track=found.track)
    tmp.replace(out)
    return path, variant


def cached_crops(files: list[tuple[Path, str]], variants: tuple[str, ...], cache: Path, jobs: int,
                 source_of: Callable[[str, str], Path], recipe_of: Callable[[str], str], profile: str = "default",
                 cached_only: bool = False) -> dict[tuple[str, str], FileCrops]:
    """(absolute path, variant) -> crops for every (path, sha256) in ``files`` and every variant, extracting what
    the cache lacks. ``source_of(path, variant)`` gives the (damaged) copy to run the face pipeline on;
    ``recipe_of(variant)`` its recipe version (part of the cache key); ``profile``: the face pipeline's sampling
    profile (the analyzer's is "default"; "fast" reads fewer frames: used for corpus-train files to fit the CPU
    budget)."""
    from concurrent.futures import ProcessPoolExecutor

    cache.mkdir(parents=True, exist_ok=True)
    suffix = "" if profile == "default" else f"-{profile}"
    target = {(str(p), v): cache / f"{sha[:20]}-{_code_version(v, recipe_of(v))}{suffix}.npz"
              for v in variants for p, sha in files}
    todo = [(p, v, str(out), source_of, profile) for (p, v), out in target.items() if not out.is_file()]
    if cached_only:
        target = {k: f for k, f in target.items() if f.is_file()}
    elif todo:
        print(f"extracting face crops from {len(todo)} file variants ({jobs} processes)", flush=True)
        with ProcessPoolExecutor(jobs) as pool:
            for done, _ in enumerate(pool.map(_job, todo, chunksize=1), start=1):
                if done % 20 == 0:
                    print(f"  {done}/{len(todo)}", flush=True)
    out: dict[tuple[str, str], FileCrops] = {}
    for key, file in target.items():
        data = np.load(file)
        out[key] = FileCrops(data["crops"], data["landmarks"], data["track"])
    return out
