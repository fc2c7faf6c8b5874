"""Find the near copies of a file in the index, with the matched time ranges and an order by earliest evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from veracity.config import Limits
from veracity.index._landmarks import FRAME_S
from veracity.index._packed import PackedIndex
from veracity.index.fingerprint import Fingerprint, fingerprint_file, parse_time

MAX_DISTANCE_BITS = 40  # PDQ bits (of 256) for a frame or picture to count as the same content
MIN_FRAMES = 2  # matched frames for two clips to be copies (fewer when the query itself is that short)
SINGLE_FRAME_BITS = 24  # ... or one frame this close (very short clips, fast motion between sampled frames)


@dataclass(frozen=True)
class TimeRange:
    query_start_s: float | None
    query_end_s: float | None
    copy_start_s: float | None
    copy_end_s: float | None


@dataclass
class Copy:
    """One indexed file that holds the same content as the query."""

    sha256: str
    kind: str
    paths: tuple[str, ...]
    similarity: float  # 1 = same pixels/sound; 0 = unrelated
    distance_bits: int | None  # best PDQ distance (None for audio-only matches)
    coverage: float  # share of the overlapping indexed frames (or of the query's landmarks) that match
    via: str  # identical | visual | audio | visual+audio
    ranges: tuple[TimeRange, ...] = ()
    evidence_times: dict[str, str] = field(default_factory=dict)  # source -> ISO time
    earliest_s: str | None = None
    earliest_source: str | None = None
    label: str | None = None
    p_synthetic: float | None = None
    verdict_differs: bool = False

    def to_dict(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out["ranges"] = [r.__dict__ for r in self.ranges]
        return out


def _runs(times: np.ndarray, gap_s: float) -> list[tuple[float, float]]:
    if len(times) == 0:
        return []
    times = np.sort(times)
    runs: list[tuple[float, float]] = []
    start = prev = float(times[0])
    for t in times[1:]:
        if t - prev > gap_s:
            runs.append((start, prev))
            start = float(t)
        prev = float(t)
    runs.append((start, prev))
    return runs


def _interval_s(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.5


def _visual_candidates(query: Fingerprint, packed: PackedIndex, max_bits: int) -> dict[int, Copy]:
    found: dict[int, Copy] = {}
    if not query.frames:
        return found
    for pack, is_stills in ((packed.stills, True), (packed.video, False)):
        if len(pack.frame_entry) == 0:
            continue
        matrix = np.stack([pack.distances(views) for views in query.frames])  # [nq, F]
        close_entries = np.unique(pack.frame_entry[(matrix <= max_bits).any(axis=0)])
        for entry in close_entries:
            cols = np.nonzero(pack.frame_entry == entry)[0]
            sub = matrix[:, cols].astype(np.int32)
            stored_times = pack.frame_time_s[cols]
            copy = _align(query, sub, stored_times, max_bits, stored_is_still=is_stills)
            if copy is not None:
                found[int(entry)] = copy
    return found


def _align(query: Fingerprint, sub: np.ndarray, stored_times: np.ndarray, max_bits: int, *,
           stored_is_still: bool) -> Copy | None:
    """Turn frame distances into a copy: best frame for stills, a consistent time offset for clips."""
    best = int(sub.min())
    query_still = query.dense or len(query.frames) == 1
    if query_still or stored_is_still or len(stored_times) == 1:
        i, j = np.unravel_index(int(np.argmin(sub)), sub.shape)
        qt = None if query_still else float(query.frame_times_s[i])
        st = None if stored_is_still or len(stored_times) == 1 else float(stored_times[j])
        ranges: tuple[TimeRange, ...] = (TimeRange(qt, qt, st, st),) if qt is not None or st is not None else ()
        return Copy("", "", (), similarity=_similarity(best), distance_bits=best,
                    coverage=round(float((sub.min(axis=1) <= max_bits).mean()), 4), via="visual", ranges=ranges)
    q_times = query.frame_times_s
    tolerance_s = max(_interval_s(q_times), _interval_s(stored_times)) * 0.75 + 0.05
    qi, sj = np.nonzero(sub <= max_bits)
    offsets = stored_times[sj] - q_times[qi]
    best_offset, best_count, chosen = 0.0, 0, np.zeros(0, int)
    for offset in np.unique(np.round(offsets, 2)):
        agree = np.abs(offsets - offset) <= tolerance_s
        count = len(np.unique(qi[agree]))
        if count > best_count:
            best_offset, best_count, chosen = float(offset), count, agree
    if best_count < min(MIN_FRAMES, len(q_times)) and best > SINGLE_FRAME_BITS:
        return None
    matched_q = np.unique(qi[chosen])
    distances = sub[qi[chosen], sj[chosen]]
    gap_s = 2.5 * max(_interval_s(q_times), _interval_s(stored_times))
    clip_ranges = tuple(
        TimeRange(round(a, 2), round(b, 2), round(a + best_offset, 2), round(b + best_offset, 2))
        for a, b in _runs(q_times[matched_q], gap_s)
    )
    # Coverage counts indexed frames, so the query's denser sampling does not lower it.
    span = (stored_times >= q_times.min() + best_offset - tolerance_s) & \
        (stored_times <= q_times.max() + best_offset + tolerance_s)
    coverage = len(np.unique(sj[chosen])) / max(1, int(span.sum()))
    return Copy("", "", (), similarity=_similarity(int(np.median(distances))), distance_bits=int(distances.min()),
                coverage=round(min(1.0, coverage), 4), via="visual", ranges=clip_ranges)


def _similarity(distance_bits: int) -> float:
    return round(max(0.0, 1.0 - distance_bits / 128.0), 4)


def find_copies(query: Fingerprint, packed: PackedIndex, *, max_bits: int = MAX_DISTANCE_BITS) -> list[Copy]:
    """Copies of ``query`` among the packed fingerprints, identical content included (fields before evidence)."""
    found = _visual_candidates(query, packed, max_bits)
    if query.audio is not None and not query.audio.empty:
        for hit in packed.audio.search(query.audio):
            q_times = hit.query_frames * FRAME_S
            ranges = tuple(
                TimeRange(round(a, 2), round(b + FRAME_S, 2), round(a + hit.offset_s, 2),
                          round(b + FRAME_S + hit.offset_s, 2))
                for a, b in _runs(q_times, 2.0)
            )
            if hit.entry in found:
                found[hit.entry].via = "visual+audio"
                if not found[hit.entry].ranges or all(r.query_start_s is None for r in found[hit.entry].ranges):
                    found[hit.entry].ranges = ranges
            else:
                found[hit.entry] = Copy("", "", (), similarity=round(min(1.0, hit.query_votes_fraction * 4), 4),
                                        distance_bits=None, coverage=hit.query_votes_fraction, via="audio",
                                        ranges=ranges)
    for entry, fp in enumerate(packed.fingerprints):
        if fp.sha256 == query.sha256:
            found[entry] = Copy("", "", (), similarity=1.0, distance_bits=0, coverage=1.0, via="identical")
    copies = []
    for entry, copy in found.items():
        fp = packed.fingerprints[entry]
        copy.sha256, copy.kind = fp.sha256, fp.kind.value
        copies.append(copy)
    return copies


@dataclass
class MatchResult:
    query_path: str
    query_sha256: str
    query_label: str | None
    copies: list[Copy]

    def to_dict(self) -> dict[str, object]:
        return {"query_path": self.query_path, "query_sha256": self.query_sha256, "query_label": self.query_label,
                "copies": [c.to_dict() for c in self.copies]}


def _c2pa_time(report_json: str | None) -> str | None:
    """A signing/creation time from a C2PA finding, when the report carries one."""
    if not report_json:
        return None
    try:
        report = json.loads(report_json)
    except ValueError:
        return None
    times = []
    for result in report.get("results", []):
        for finding in result.get("findings", []):
            if not str(finding.get("code", "")).startswith("provenance.c2pa"):
                continue
            for key, value in (finding.get("data") or {}).items():
                if isinstance(value, str) and any(w in key.lower() for w in ("time", "date", "when", "signed")):
                    parsed = parse_time(value)
                    if parsed:
                        times.append(parsed)
    return min(times, key=datetime.fromisoformat) if times else None


def match_file(path: str | Path, store_path: str | Path, *, limits: Limits | None = None,
               max_bits: int = MAX_DISTANCE_BITS) -> MatchResult:
    """Search the index in ``store_path`` for copies of ``path``; ordered by earliest evidence, first copy first."""
    from veracity.batch.store import ResultStore
    from veracity.index.store import IndexStore

    query = fingerprint_file(path, limits=limits, query=True)
    with IndexStore(store_path) as index:
        entries = list(index.entries())
    packed = PackedIndex.build([e.fingerprint for e in entries])
    copies = find_copies(query, packed, max_bits=max_bits)
    by_sha = {e.fingerprint.sha256: e for e in entries}
    with ResultStore(store_path) as results:
        verdicts = results.latest_verdicts([c.sha256 for c in copies] + [query.sha256])
    for copy in copies:
        entry = by_sha[copy.sha256]
        copy.paths = entry.paths
        times: dict[str, str] = {"first seen by the index": entry.first_seen}
        if entry.fingerprint.media_time:
            times[entry.fingerprint.media_time_source or "embedded time"] = entry.fingerprint.media_time
        row = verdicts.get(copy.sha256)
        if row is not None:
            copy.label, copy.p_synthetic = row.label, row.p_synthetic
            if (c2pa := _c2pa_time(row.report_json)) is not None:
                times["C2PA manifest time"] = c2pa
        copy.evidence_times = times
        copy.earliest_source, copy.earliest_s = min(times.items(), key=lambda kv: datetime.fromisoformat(kv[1]))
    copies.sort(key=lambda c: (c.earliest_s is None, datetime.fromisoformat(c.earliest_s) if c.earliest_s else 0,
                               -c.similarity))
    query_row = verdicts.get(query.sha256)
    reference = query_row.label if query_row else next((c.label for c in copies if c.label), None)
    for copy in copies:
        copy.verdict_differs = bool(reference and copy.label and copy.label != reference)
    return MatchResult(str(path), query.sha256, query_row.label if query_row else None, copies)
