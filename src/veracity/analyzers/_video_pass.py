"""One decoding pass per video for every piece of shared video work: the sampled frames, the temporal clip, the
face tracks.

Each *product* is a sampling of the video (``media.video.iter_frames_multi``: several samplings from one decode)
and a consumer that turns its frames into a value:

- ``video.frames``: the profile's sampled frames (``learned.ai_image`` and any analyzer calling ``ctx.frames()``);
- ``learned.temporal.clip``: distinct frames on an 8 fps grid from the first seconds (``learned.ai_video``,
  ``learned.face_video_temporal``; ``_temporal.read_clip``);
- ``face.tracks``: face detection, landmarks and tracks on the denser face sampling (every face analyzer,
  ``learned.face_forgery``, MesoNet; ``face._tracking.track_faces``).

A pass decodes in its own thread and hands each product its frames through a small bounded queue; each consumer
runs in its own thread, so decoding (FFmpeg's threads, the RGB conversion) and face tracking (MediaPipe) overlap,
and a product is published the moment its consumer finishes (the clip after its first seconds, long before the
pass ends). Analyzers only wait for products, never feed the pass, so any number of analyzer threads (one
included) can ask in any order without a deadlock. The pass makes what the asking analyzer needs plus what the
file's other planned analyzers declared they will read (``AnalyzerInfo.shares``, gathered by the scanner into
``AnalysisContext.expected``); a product nobody declared that is asked for later gets a pass of its own.

The values are exactly those of decoding each sampling on its own (``tests/analyzers/test_context.py``).
The pass stops when the context closes (the file is done) or when every consumer is finished.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from veracity.analyzers.base import AnalysisCancelled, AnalysisContext
from veracity.config import SamplingPlan
from veracity.evidence import MediaInfo

FRAMES, CLIP, FACES = "video.frames", "learned.temporal.clip", "face.tracks"
# Frames waiting for one consumer: up to this many bytes (4 to 32 frames), so decoding runs ahead of face tracking
# (the frames and the clip are not held back by it) while a slow consumer pins little memory.
_QUEUE_BYTES = 64 * 2**20
_POLL_S = 0.05
_END = object()


@dataclass(frozen=True)
class Product:
    name: str
    sampling: Callable[[AnalysisContext], tuple[MediaInfo, SamplingPlan, float | None]]  # iter_frames_multi's
    consume: Callable[[AnalysisContext, Iterator[Any]], Any]  # frames (media.video.Frame) in order -> value


def _frames_sampling(ctx: AnalysisContext) -> tuple[MediaInfo, SamplingPlan, float | None]:
    return ctx.media, ctx.settings.sampling, None


def _clip_sampling(ctx: AnalysisContext) -> tuple[MediaInfo, SamplingPlan, float | None]:
    from veracity.analyzers.learned._temporal import clip_sampling

    return clip_sampling(ctx.media)


def _clip(ctx: AnalysisContext, frames: Iterator[Any]) -> Any:
    from veracity.analyzers.learned._temporal import select_frames

    return select_frames((f.index, f.time_s, f.rgb) for f in frames)


def _face_sampling(ctx: AnalysisContext) -> tuple[MediaInfo, SamplingPlan, float | None]:
    from veracity.analyzers.face._tracking import face_sampling

    return face_sampling(ctx.media, ctx.settings.profile)


def _faces(ctx: AnalysisContext, frames: Iterator[Any]) -> Any:
    from veracity._native_logs import filtered_native_logs
    from veracity.analyzers.face._tracking import default_hooks, track_faces

    with filtered_native_logs():  # MediaPipe's C++ log lines stay out of progress bars and stderr
        return track_faces(frames, ctx.media, default_hooks())


PRODUCTS: dict[str, Product] = {
    FRAMES: Product(FRAMES, _frames_sampling, lambda _ctx, frames: list(frames)),
    CLIP: Product(CLIP, _clip_sampling, _clip),
    FACES: Product(FACES, _face_sampling, _faces),
}
# Without the scanner's word on what the file's analyzers read, a pass for the frames or the clip makes both
# (learned.ai_image, learned.ai_video and learned.face_video_temporal come together); face tracks come alone.
_COMPANIONS = {FRAMES: {FRAMES, CLIP}, CLIP: {FRAMES, CLIP}, FACES: {FACES}}
_EARLY = {CLIP}  # published long before the pass ends


class _Slot:
    """One product of a pass: its frame queue, and its value or error once its consumer is done."""

    def __init__(self, max_side_px: int) -> None:
        frame_bytes = max_side_px * max_side_px * 9 // 16 * 3  # a 16:9 RGB frame at the sampling's largest side
        self.frames: queue.Queue[Any] = queue.Queue(maxsize=min(32, max(4, _QUEUE_BYTES // frame_bytes)))
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class VideoPass:
    def __init__(self, ctx: AnalysisContext, names: set[str]) -> None:
        self.ctx = ctx
        self.names = sorted(names)  # a fixed order: the sampling index of each product
        self.samplings = [PRODUCTS[name].sampling(ctx) for name in self.names]
        self.slots = {name: _Slot(plan.max_side_px) for name, (_info, plan, _until) in zip(self.names, self.samplings,
                                                                                       strict=True)}
        self._decode_error: BaseException | None = None
        threading.Thread(target=self._decode, name="video-pass", daemon=True).start()
        for name in self.names:
            threading.Thread(target=self._consume, args=(name,), name=f"video-pass:{name}", daemon=True).start()

    def wait(self, name: str) -> Any:
        """The product's value once it is made (raising its error); ``AnalysisCancelled`` if the scanner gives up
        on the waiting analyzer meanwhile."""
        slot = self.slots[name]
        while not slot.done.wait(_POLL_S):
            self.ctx.checkpoint()
        if slot.error is not None:
            raise slot.error
        return slot.value

    def _consume(self, name: str) -> None:
        slot = self.slots[name]
        try:
            slot.value = PRODUCTS[name].consume(self.ctx, self._feed(slot))
        except BaseException as exc:  # noqa: BLE001 - handed to the analyzers that wait for it
            slot.error = exc
        finally:
            slot.done.set()

    def _feed(self, slot: _Slot) -> Iterator[Any]:
        while True:
            try:
                frame = slot.frames.get(timeout=_POLL_S)
            except queue.Empty:
                if self.ctx.closed:
                    raise AnalysisCancelled("the file is done") from None
                continue
            if frame is _END:
                if self._decode_error is not None:
                    raise self._decode_error
                return
            yield frame

    def _put(self, slot: _Slot, item: Any) -> None:
        while not slot.done.is_set() and not self.ctx.closed:
            try:
                slot.frames.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def _decode(self) -> None:
        from veracity.media.video import iter_frames_multi

        slots = [self.slots[name] for name in self.names]
        try:
            for which, frame in iter_frames_multi(self.ctx.media, self.samplings, self.ctx.settings.limits,
                                                  finished=lambda i: slots[i].done.is_set()):
                if self.ctx.closed or all(slot.done.is_set() for slot in slots):
                    break
                self._put(slots[which], frame)
        except BaseException as exc:  # noqa: BLE001 - the video can't be decoded: every product fails with it
            self._decode_error = exc
        finally:
            for slot in slots:
                self._put(slot, _END)


def wait_rank(shares: frozenset[str]) -> int:
    """How long an analyzer reading these shared products waits for the pass: 0 reads none of them, 1 only
    products published early (the clip, after the video's first seconds), 2 a product of the whole pass (the
    sampled frames, the face tracks). The scanner starts a video's analyzers in this order, so its threads work
    on what is ready while the pass decodes instead of waiting for it."""
    products = shares & set(PRODUCTS)
    return 0 if not products else 1 if products <= _EARLY else 2


def start_pass(ctx: AnalysisContext) -> None:
    """Start the pass for every product the file's planned analyzers declared (``ctx.expected``) without waiting
    for it: the scanner calls this as a video's analysis starts, so decoding and face tracking overlap the
    analyzers that read none of it. The products are the same as when the first analyzer asking starts it."""
    names = sorted(set(ctx.expected or ()) & set(PRODUCTS))
    if names:
        _pass_making(ctx, names[0])


def shared_product(ctx: AnalysisContext, name: str) -> Any:
    """The product ``name`` for this file, from the pass that makes it (started here if none does yet)."""
    return _pass_making(ctx, name).wait(name)


def _pass_making(ctx: AnalysisContext, name: str) -> VideoPass:
    with ctx.lock("video.pass"):
        passes: list[VideoPass] = ctx.cached("video.passes", list)
        running = next((p for p in passes if name in p.slots), None)
        if running is None:
            made = {n for p in passes for n in p.slots}
            wanted = _COMPANIONS[name] if ctx.expected is None else {name} | (set(ctx.expected) & set(PRODUCTS))
            running = VideoPass(ctx, {n for n in wanted if n == name or (n not in made and not ctx.has(n))})
            passes.append(running)
    return running
