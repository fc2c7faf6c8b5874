"""Features of the clips ``learned.ai_video`` is trained and judged on, cached on disk.

A view of a clip is ``aug:<i>`` (the ``i``-th randomised re-encoding, ``random_launder_video``: random start and
1.5–3 s length, 6–30 fps, crop, size, CRF — drawn the same way for both classes) or one of the protocol's copies
(``plain`` / ``laundered`` / ``neutral``). Each view stores what the analyzer computes from it:

- ``temporal``: the flow-warp residual / flicker / detail features of ``_temporal`` (median and p90 per series);
- ``consistency``: ``trunk.consistency_features`` of the analysis frames (per-depth drift of the trunk features);
- ``still``: the trunk patch features of ``learned.ai_image``'s frames (``VIDEO_FRAMES`` x ``FRAME_PATCHES``), so
  the still-frame score can be recomputed with whichever image probe a fold fits;
- ``face_fraction`` (the analyzer's face gate) and ``frames`` (distinct analysis frames; too few: it abstains).

    .venv/bin/python -m training.clip_views [--jobs 2] [--views aug plain laundered neutral]
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from training import picture_views
from training.corpora import Row

CATEGORIES = ("video", "face_video")
CLIP_AUGS = 2
SEED = 20262


def code_tag() -> str:
    from veracity.analyzers.learned import _face_temporal, _temporal, trunk
    from veracity.media import damage

    measured = (_temporal.read_clip, _temporal.select_frames, _temporal.to_analysis, _temporal.pair_series,
                _temporal.clip_features, _temporal.temporal_feature_names)
    constants = (_temporal.ANALYSIS_PX, _temporal.ANALYSIS_FPS, _temporal.MAX_FRAMES, _temporal.MIN_FRAMES,
                 _temporal.DECODE_MAX_SIDE_PX, _temporal.DUPLICATE_MAD, _temporal.MAX_SPAN_S, _temporal.BORDER_PX)
    video_damage = _without_imports(inspect.getsource(damage.random_launder_video))
    parts = [*(inspect.getsource(f) for f in measured), str(constants), inspect.getsource(trunk.consistency_features),
             inspect.getsource(_face_temporal.gate_fraction), video_damage, picture_views.code_tag(),
             str((CLIP_AUGS, SEED))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _without_imports(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith(("from ", "import ")))


def cache_path(row: Row, view: str, tag: str) -> Path:
    return (picture_views.CACHE / f"ai_video-{tag}" / row.manifest.sha256[:2]
            / f"{row.manifest.sha256}-{view.replace(':', '_')}.npz")


def wanted_views(row: Row, views: Sequence[str]) -> list[str]:
    out = []
    for view in views:
        if view == "aug":
            out += [f"aug:{i}" for i in range(CLIP_AUGS)]
        else:
            out.append(view)
    return out


def measure(path: Path, trunk: Any, still: list[np.ndarray] | None) -> dict[str, np.ndarray]:
    """Everything the analyzer reads from one clip file (``still``: already extracted ai_image patch features)."""
    from veracity.analyzers.learned import _face_temporal, _temporal
    from veracity.analyzers.learned.trunk import FRAME_PATCHES, VIDEO_FRAMES, consistency_features
    from veracity.media.probe import probe

    clip = _temporal.read_clip(probe(path))
    out: dict[str, np.ndarray] = {"frames": np.array([len(clip.time_s)])}
    if len(clip.time_s) < _temporal.MIN_FRAMES:
        return out
    try:
        fraction = _face_temporal.gate_fraction(_face_temporal.face_boxes(clip.rgb_small))
    except ImportError:
        fraction = float("nan")
    out["face_fraction"] = np.array([fraction])
    out["temporal"] = _temporal.clip_features(_temporal.pair_series(clip))
    out["consistency"] = consistency_features(trunk, clip.rgb_small)
    if still is None:
        from veracity.analyzers.learned.trunk import picture_patch_features

        frames = picture_views.analyzer_frames(path, VIDEO_FRAMES)
        still = [picture_patch_features(trunk, rgb, FRAME_PATCHES) for rgb in frames]
    out["still"] = np.stack(still).astype(np.float16)
    return out


def extract(job: tuple[Row, str, str, str]) -> tuple[str, str, float]:
    from veracity.analyzers.learned.trunk import Trunk
    from veracity.media.damage import decoded_start, random_launder_video
    from veracity.media.probe import probe

    row, view, tag, picture_tag = job
    out_path = cache_path(row, view, tag)
    if out_path.is_file():
        return row.key, view, 0.0
    started = time.perf_counter()
    trunk = Trunk.shipped()
    try:
        if view.startswith("aug:"):
            i = int(view.split(":")[1])
            rng = np.random.default_rng([SEED, int(row.manifest.sha256[:12], 16), i])
            with tempfile.TemporaryDirectory() as folder:
                dst = Path(folder) / "clip.mp4"
                random_launder_video(decoded_start(probe(row.path)), str(dst), rng)
                result = measure(dst, trunk, None)
        else:
            picture_views.extract((row, view, picture_tag))  # learned.ai_image's view of the same copy, cached
            still = picture_views.load_view(row, view, picture_tag)
            result = measure(picture_views.variant_file(row.path, view), trunk, still or None)
    except Exception as exc:  # noqa: BLE001 - a clip that can't be decoded or laundered has no view
        print(f"  {row.key} {view}: {exc}", file=sys.stderr)
        result = {"frames": np.array([0])}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp.npz")
    np.savez(tmp, **result)
    tmp.replace(out_path)
    return row.key, view, time.perf_counter() - started


def load_view(row: Row, view: str, tag: str) -> dict[str, np.ndarray] | None:
    path = cache_path(row, view, tag)
    if not path.is_file():
        return None
    with np.load(path) as data:
        return {k: data[k].astype(np.float64) if k != "still" else data[k].astype(np.float32) for k in data.files}


def run(rows: Sequence[Row], views: Sequence[str], jobs: int) -> None:
    tag, picture_tag = code_tag(), picture_views.code_tag()
    todo = [(r, v, tag, picture_tag) for r in rows for v in wanted_views(r, views)
            if not cache_path(r, v, tag).is_file()]
    print(f"features ai_video-{tag}: {len(todo)} views to extract", file=sys.stderr)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, initializer=picture_views.one_thread) as pool:
        for n, (key, view, seconds) in enumerate(pool.map(extract, todo, chunksize=1), 1):
            if n % 20 == 0 or n == len(todo):
                print(f"  {n}/{len(todo)} ({time.perf_counter() - started:.0f} s; last {key} {view} {seconds:.1f} s)",
                      file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> None:
    from training import corpora

    rows, views, jobs = corpora.view_job("python -m training.clip_views", CATEGORIES, argv)
    run(rows, views, jobs)


if __name__ == "__main__":
    main()
