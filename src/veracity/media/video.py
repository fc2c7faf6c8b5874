"""Stream video frames with a sampling plan; nothing holds more than the frames asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from veracity.config import Limits, SamplingPlan
from veracity.errors import UnsupportedMedia
from veracity.evidence import MediaInfo
from veracity.media._sniff import IMAGE_CONTAINERS

T = TypeVar("T")


@dataclass(frozen=True)
class Frame:
    index: int  # position in the decoded stream, counting every frame
    time_s: float
    rgb: np.ndarray  # H×W×3 uint8, upright, downscaled to the plan's max side


def evenly_spread(items: Sequence[T], count: int) -> list[T]:
    """At most ``count`` items evenly spread over ``items``, first and last kept."""
    if len(items) <= count:
        return list(items)
    return [items[i] for i in np.unique(np.linspace(0, len(items) - 1, count).round().astype(int))]


def sample_interval_s(info: MediaInfo, plan: SamplingPlan) -> float:
    """Spread ``max_frames`` over the whole clip, never faster than ``fps_cap``."""
    interval = 1.0 / plan.fps_cap
    if info.duration_s:
        interval = max(interval, info.duration_s / plan.max_frames)
    return interval


def iter_frames(info: MediaInfo, plan: SamplingPlan, limits: Limits | None = None) -> Iterator[Frame]:
    path = Path(info.path)
    if info.container in IMAGE_CONTAINERS:
        yield from _iter_animated_frames(path, info, plan, limits)
    else:
        yield from _iter_av_frames(path, info, plan)


def _scaled_size(width: int, height: int, max_side_px: int) -> tuple[int, int]:
    scale = min(1.0, max_side_px / max(width, height))
    return max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2)


def _iter_animated_frames(
    path: Path, info: MediaInfo, plan: SamplingPlan, limits: Limits | None = None
) -> Iterator[Frame]:
    from veracity.media.animated import animated_timing, decodable_frames, iter_animated

    starts: list[float] = []
    clock = 0.0
    durations = animated_timing(path, info.container)
    # Pillow composites every frame before the last one wanted: keep the decoding within the budget.
    durations = durations[: decodable_frames((info.width or 1, info.height or 1), len(durations))]
    for duration in durations:
        starts.append(clock)
        clock += duration
    interval = sample_interval_s(info, plan)
    wanted: dict[int, float] = {}
    next_t = 0.0
    for index, start in enumerate(starts):
        if start + 1e-9 >= next_t and len(wanted) < plan.max_frames:
            wanted[index] = start
            next_t = start + interval
    for index, rgb in iter_animated(path, info.container, set(wanted), max_side_px=plan.max_side_px, limits=limits):
        yield Frame(index=index, time_s=round(wanted[index], 4), rgb=rgb)


def _iter_av_frames(path: Path, info: MediaInfo, plan: SamplingPlan) -> Iterator[Frame]:
    for _which, frame in _iter_av_multi(path, [(info, plan, None)]):
        yield frame


def iter_frames_multi(
    info: MediaInfo, samplings: Sequence[tuple[MediaInfo, SamplingPlan, float | None]], limits: Limits | None = None,
    *, finished: Callable[[int], bool] | None = None,
) -> Iterator[tuple[int, Frame]]:
    """Several samplings of one video from ONE decoding pass: ``(i, frame)`` for each frame sampling ``i`` picks,
    in decoding order; each sampling ``(info_i, plan_i, until_s_i)`` picks exactly the frames
    ``iter_frames(info_i, plan_i)`` would (``info_i`` differs only in ``duration_s``, which spreads the samples),
    up to ``until_s_i`` seconds if given. Animated images are decoded once per sampling (they are small).

    ``finished(i)`` true: the caller needs no more frames of sampling ``i`` (its reader stopped early); they are
    then neither converted nor yielded, and decoding stops once every sampling is finished."""
    path = Path(info.path)
    if info.container in IMAGE_CONTAINERS:
        for which, (sub_info, plan, until_s) in enumerate(samplings):
            for frame in _iter_animated_frames(path, sub_info, plan, limits):
                if (until_s is not None and frame.time_s > until_s) or (finished is not None and finished(which)):
                    break
                yield which, frame
        return
    yield from _iter_av_multi(path, samplings, finished)


def _iter_av_multi(
    path: Path, samplings: Sequence[tuple[MediaInfo, SamplingPlan, float | None]],
    finished: Callable[[int], bool] | None = None,
) -> Iterator[tuple[int, Frame]]:
    import av

    from veracity.media._av import open_av

    info, plan, _until = samplings[0]
    intervals = [sample_interval_s(sub_info, sub_plan) for sub_info, sub_plan, _u in samplings]
    next_ts = [0.0] * len(samplings)
    counts = [0] * len(samplings)
    open_ = [True] * len(samplings)
    emitted = 0
    try:
        with open_av(path, info.container) as container:
            if not container.streams.video:
                return
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if all(sub_plan.keyframes_only for _i, sub_plan, _u in samplings):
                stream.codec_context.skip_frame = "NONKEY"
            frame_s = 1.0 / (info.fps or 25.0)
            clock = -frame_s
            start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
            for index, frame in enumerate(container.decode(stream)):
                # Some containers (AVI with packed B-frames) give missing or out-of-order times: keep a monotonic
                # clock that advances at least one frame period per decoded frame.
                stamped = (frame.time - start) if frame.time is not None else None
                clock = stamped if stamped is not None and stamped > clock else clock + frame_s
                time_s = clock
                converted: dict[int, np.ndarray] = {}  # one conversion per output size
                for which, (_sub_info, sub_plan, until_s) in enumerate(samplings):
                    if not open_[which]:
                        continue
                    if (until_s is not None and time_s > until_s) or (finished is not None and finished(which)):
                        open_[which] = False
                        continue
                    if time_s + 1e-6 < next_ts[which]:
                        continue
                    if sub_plan.keyframes_only and not frame.key_frame and len(samplings) > 1:
                        continue
                    if sub_plan.max_side_px not in converted:
                        width, height = _scaled_size(frame.width, frame.height, sub_plan.max_side_px)
                        rgb: np.ndarray = frame.to_ndarray(format="rgb24", width=width, height=height)
                        rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                        if rotation:
                            rgb = np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))
                        converted[sub_plan.max_side_px] = rgb
                    yield which, Frame(index=index, time_s=round(max(time_s, 0.0), 4),
                                       rgb=converted[sub_plan.max_side_px])
                    emitted += 1
                    counts[which] += 1
                    next_ts[which] = time_s + intervals[which]
                    if counts[which] >= sub_plan.max_frames:
                        open_[which] = False
                if not any(open_):
                    return
    except av.error.FFmpegError as exc:
        if emitted == 0:
            raise UnsupportedMedia(f"{path}: video could not be decoded ({exc.strerror})") from exc
        # A truncated file still yields the frames before the damage; analyzers see what exists.
