"""Trunk features of the pictures ``learned.ai_image`` is trained and judged on, cached on disk.

A *view* is one picture (or one clip's frames) as the model sees it:

- ``aug:<i>``: the ``i``-th randomised damage (``random_picture_damage``) of a still picture, or of each of
  ``TRAIN_FRAMES`` frames of a video clip — training material, drawn the same way for both classes;
- ``plain`` / ``laundered`` / ``neutral``: the protocol's copies of the file, read exactly as the analyzer reads
  them (a still: ``IMAGE_PATCHES`` native patches; a clip: ``VIDEO_FRAMES`` frames of the default profile's
  sampling, ``FRAME_PATCHES`` patches each);
- ``ae`` (real files only): aligned pairs from a latent autoencoder (``training.manipulations.latent_autoencoder``,
  TAEF2): a crop of at most ``AE_MAX_SIDE`` px of the still (of a clip: its middle training frame) and that crop
  encoded and decoded, both members then damaged ``IMAGE_AUGS`` (clip: ``FRAME_AUGS``) times with the *same* draw
  of ``random_picture_damage``. Stored alternately: even pictures the real member, odd ones its twin.

Each view is stored as its per-patch trunk features (``patches x 1768`` float16, one array per picture) under
``~/.cache/veracity/features/`` keyed by the file's sha256, the view and a hash of the code that makes it.

    .venv/bin/python -m training.picture_views [--jobs 2] [--views aug plain laundered neutral]
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from training.corpora import Row

CATEGORIES = ("image", "video", "face_video")
IMAGE_AUGS = 3  # randomised damages per still picture
FRAME_AUGS = 2  # per training frame of a clip
TRAIN_FRAMES = 3  # frames of a clip used as training pictures
SEED = 20261
CACHE = Path.home() / ".cache" / "veracity" / "features"
AE_MAX_SIDE = 512  # the autoencoder's crop (CPU time: ~3-8 s per 512² crop on one core here)


def code_tag() -> str:
    from veracity.analyzers.learned import trunk
    from veracity.media import damage

    parts = [inspect.getsource(trunk.native_patches),
             *(inspect.getsource(f) for f in (damage.random_launder, damage.random_native_crop,
                                              damage.random_picture_damage)),
             str((trunk.IMAGE_PATCHES, trunk.FRAME_PATCHES, trunk.VIDEO_FRAMES, IMAGE_AUGS, FRAME_AUGS,
                  TRAIN_FRAMES, SEED)), trunk.Trunk.shipped().path.name]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def ae_tag(tag: str) -> str:
    """``code_tag`` plus the autoencoder's code and weights (pinned by sha256 in that code) and the pair recipe."""
    from training.manipulations import latent_autoencoder

    parts = [tag, inspect.getsource(latent_autoencoder), inspect.getsource(ae_pairs), str(AE_MAX_SIDE)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def cache_path(row: Row, view: str, tag: str) -> Path:
    folder = f"ai_image_ae-{ae_tag(tag)}" if view == "ae" else f"ai_image-{tag}"
    return CACHE / folder / row.manifest.sha256[:2] / f"{row.manifest.sha256}-{view.replace(':', '_')}.npz"


def wanted_views(row: Row, views: Sequence[str]) -> list[str]:
    out = []
    for view in views:
        if view == "aug":
            if row.category in ("image", "video"):
                count = IMAGE_AUGS if row.category == "image" else FRAME_AUGS
                out += [f"aug:{i}" for i in range(count)]
        elif view == "ae":
            if row.category in ("image", "video") and row.y == 0:
                out.append(view)
        else:
            out.append(view)
    return out


def analyzer_frames(path: Path, count: int) -> list[np.ndarray]:
    """The frames ``learned.ai_image`` reads from a clip: the default profile's sampling, evenly spread."""
    from veracity.config import SamplingPlan
    from veracity.media.probe import probe
    from veracity.media.video import evenly_spread, iter_frames

    frames = list(iter_frames(probe(path), SamplingPlan()))
    return [f.rgb for f in evenly_spread(frames, count)]


def view_pictures(row: Row, view: str) -> list[tuple[np.ndarray, int]]:
    """(picture, patch count) of one view."""
    from veracity.analyzers.learned.trunk import FRAME_PATCHES, IMAGE_PATCHES, VIDEO_FRAMES
    from veracity.media.damage import random_picture_damage
    from veracity.media.image import load_rgb

    still = row.kind == "image"
    if view == "ae":
        sources = [load_rgb(row.path)] if still else analyzer_frames(row.path, TRAIN_FRAMES)[1:2]
        count = IMAGE_AUGS if still else FRAME_AUGS
        return [(p, IMAGE_PATCHES) for rgb in sources for p in ae_pairs(rgb, row.manifest.sha256, count)]
    if view.startswith("aug:"):
        i = int(view.split(":")[1])
        rng = np.random.default_rng([SEED, int(row.manifest.sha256[:12], 16), i])
        sources = [load_rgb(row.path)] if still else analyzer_frames(row.path, TRAIN_FRAMES)
        return [(random_picture_damage(rgb, rng), IMAGE_PATCHES) for rgb in sources]
    path = variant_file(row.path, view)
    if still:
        return [(load_rgb(path), IMAGE_PATCHES)]
    return [(rgb, FRAME_PATCHES) for rgb in analyzer_frames(path, VIDEO_FRAMES)]


def ae_pairs(rgb: np.ndarray, sha256: str, count: int) -> list[np.ndarray]:
    """``count`` aligned (real, autoencoded) pairs of one picture, flattened: [real, twin, real, twin, ...]. The
    crop and each damage are drawn from the file's sha256, the same damage for both members of a pair."""
    from training.manipulations import latent_autoencoder
    from veracity.media.damage import random_picture_damage

    seed = int(sha256[:12], 16)
    crop = latent_autoencoder.random_crop(rgb, np.random.default_rng([SEED, seed, 9001]), AE_MAX_SIDE)
    h, w = (crop.shape[0] // 8) * 8, (crop.shape[1] // 8) * 8
    real = np.ascontiguousarray(crop[:h, :w, :3])
    twin = latent_autoencoder.cached()(real)
    out = []
    for i in range(count):
        for member in (real, twin):
            out.append(random_picture_damage(member, np.random.default_rng([SEED, seed, 9100 + i])))
    return out


def variant_file(path: Path, variant: str) -> Path:
    """The protocol's copy of a file (``training.protocol.variant_path``'s copies, from the shared cache)."""
    if variant == "plain":
        return path
    from veracity.media.damage import launder

    return launder(path, recipe="platform" if variant == "laundered" else "neutral")


def extract(job: tuple[Row, str, str]) -> tuple[str, str, float]:
    from veracity.analyzers.learned.trunk import Trunk, picture_patch_features

    row, view, tag = job
    out = cache_path(row, view, tag)
    if out.is_file():
        return row.key, view, 0.0
    started = time.perf_counter()
    trunk = Trunk.shipped()
    try:
        arrays = [picture_patch_features(trunk, rgb, count).astype(np.float16)
                  for rgb, count in view_pictures(row, view)]
    except Exception as exc:  # noqa: BLE001 - a file that can't be decoded or laundered has no view
        print(f"  {row.key} {view}: {exc}", file=sys.stderr)
        arrays = []
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez(tmp, *arrays)
    tmp.replace(out)
    return row.key, view, time.perf_counter() - started


def load_view(row: Row, view: str, tag: str) -> list[np.ndarray] | None:
    """The cached per-picture patch features of a view (empty list: the view failed), None if not extracted."""
    path = cache_path(row, view, tag)
    if not path.is_file():
        return None
    with np.load(path) as data:
        return [data[f"arr_{i}"].astype(np.float32) for i in range(len(data.files))]


def run(rows: Sequence[Row], views: Sequence[str], jobs: int) -> None:
    tag = code_tag()
    todo = [(r, v, tag) for r in rows for v in wanted_views(r, views) if not cache_path(r, v, tag).is_file()]
    print(f"features ai_image-{tag}: {len(todo)} views to extract", file=sys.stderr)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, initializer=one_thread) as pool:
        for n, (key, view, seconds) in enumerate(pool.map(extract, todo, chunksize=1), 1):
            if n % 50 == 0 or n == len(todo):
                print(f"  {n}/{len(todo)} ({time.perf_counter() - started:.0f} s; last {key} {view} {seconds:.1f} s)",
                      file=sys.stderr)


def one_thread() -> None:
    import os

    os.environ["OMP_NUM_THREADS"] = "1"
    from veracity.analyzers.learned import trunk

    try:
        import torch
    except ImportError:  # torch only serves the autoencoder views
        pass
    else:
        torch.set_num_threads(1)

    trunk.THREADS = 1


def main(argv: Sequence[str] | None = None) -> None:
    from training import corpora

    rows, views, jobs = corpora.view_job("python -m training.picture_views", CATEGORIES, argv)
    run(rows, views, jobs)


if __name__ == "__main__":
    main()
