"""Aligned face crops of corpus files, as ``learned.face_forgery`` sees them, cached on disk.

For every file (as it is, "plain", and after ``veracity bench --launder``'s recipe, "bench") the face pipeline
(``veracity.analyzers.face._tracking``) runs under the default profile, exactly as at analysis time; per track the
crops the analyzer scores (up to ``CROPS_PER_TRACK``, evenly spread) are kept with their 468 crop landmarks (NaN
where the mesh failed). Results are cached by the file's sha256, the variant and this module's code.
"""

from __future__ import annotations

import hashlib
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


def _code_version() -> str:
    """This module's code and the bench laundering recipe (the "bench" crops come from laundered copies)."""
    from veracity.media.damage import RECIPE

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:10] + f"-{RECIPE}"


def extract(path: Path) -> FileCrops:
    """Run the face pipeline on ``path`` like the analyzer does and keep its scored crops."""
    from veracity.analyzers.base import AnalysisContext
    from veracity.analyzers.face._tracking import face_frames, track_faces
    from veracity.media.probe import probe
    from veracity.media.video import evenly_spread

    ctx = AnalysisContext(media=probe(path))
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
        return FileCrops(np.zeros((0, 224, 224, 3), np.uint8), np.zeros((0, 468, 2), np.float32), np.zeros(0, int))
    return FileCrops(np.stack(crops), np.stack(marks).astype(np.float32), np.array(ids))


def _job(job: tuple[str, str, str, str]) -> tuple[str, str]:
    path, variant, out, launder_cache = job
    from veracity.media.damage import launder

    source = Path(path) if variant == "plain" else launder(path, cache_dir=launder_cache or None)
    try:
        found = extract(source)
    except Exception as exc:  # noqa: BLE001 - undecodable file: recorded as faceless
        print(f"  {path} ({variant}): {type(exc).__name__}: {exc}", flush=True)
        found = FileCrops(np.zeros((0, 224, 224, 3), np.uint8), np.zeros((0, 468, 2), np.float32), np.zeros(0, int))
    np.savez_compressed(out, crops=found.crops, landmarks=found.landmarks, track=found.track)
    return path, variant


def cached_crops(corpus: Path, rows: list[dict[str, str]], cache: Path, jobs: int,
                 launder_cache: Path | None = None) -> dict[tuple[str, str], FileCrops]:
    """(corpus path, variant) -> crops for every row and both variants, extracting what the cache lacks."""
    from concurrent.futures import ProcessPoolExecutor

    cache.mkdir(parents=True, exist_ok=True)
    code = _code_version()
    target = {(r["path"], v): cache / f"{r['sha256'][:20]}-{v}-{code}.npz" for r in rows for v in ("plain", "bench")}
    todo = [(str(corpus / p), v, str(out), str(launder_cache or "")) for (p, v), out in target.items()
            if not out.is_file()]
    if todo:
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
