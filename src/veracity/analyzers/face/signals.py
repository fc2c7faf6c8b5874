"""The face analyzers: one per temporal/physical signal, plus the tracks and timeline overview.

All of them share one pass of face detection and tracking (``ctx.cached("face.tracks")``) and each signal is
computed once (``face.signal.<name>``), so the timeline analyzer reuses what the signal analyzers found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo, coverage
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status

if TYPE_CHECKING:
    from veracity.analyzers.face._outcome import SignalOutcome

_VIDEO = frozenset({MediaKind.VIDEO})
_ANY = frozenset({MediaKind.VIDEO, MediaKind.IMAGE})
_REQUIRES = ("mediapipe", "cv2")
_CURVE_POINTS = 60
_MAX_TIMELINES = 6  # pictures for the faces seen longest; every track is still listed


_FACE = frozenset({"face"})
_TRACKS = frozenset({"face.tracks"})


def _info(signal: str, title: str, summary: str, weight: float, kinds: frozenset[MediaKind] = _VIDEO,
          version: str = "0.1.1") -> AnalyzerInfo:
    # 0.1.1: on video, faces followed over the first ~40 s at full rate instead of 60 s thinly (face_span_s)
    return AnalyzerInfo(id=f"face.{signal}", version=version, title=title, summary=summary, media_kinds=kinds,
                        requires=_REQUIRES, extra="face", cost=2, fusion_weight=weight, evidence=_FACE,
                        shares=_TRACKS)


def _curve_data(outcome: SignalOutcome) -> dict[str, list[float | int | str | bool | None] | int | float]:
    curve = outcome.worst_curve()
    if curve is None or not len(curve.times_s):
        return {}
    step = max(1, int(np.ceil(len(curve.times_s) / _CURVE_POINTS)))
    return {
        "face_track": curve.track_id,
        "curve_times_s": [round(float(t), 3) for t in curve.times_s[::step]],
        "curve_suspicion": [round(float(v), 3) for v in np.nan_to_num(curve.suspicion[::step])],
    }


class _FaceSignalAnalyzer(Analyzer):
    signal: ClassVar[str]

    def load(self) -> None:
        from veracity.analyzers.face._tracking import load_face_tracking

        load_face_tracking()

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.face._signals import no_face_reason, outcome
        from veracity.analyzers.face._tracking import face_tracks

        tracks = face_tracks(ctx)
        if not tracks.usable:
            return self.abstain(no_face_reason(tracks))
        result = outcome(ctx, self.signal)
        if not result.judged:
            return self.abstain(result.reason or "can't judge")
        return self.result(Status.OK, p_synthetic=result.p_synthetic, findings=[self._finding(result, tracks)],
                           artifacts=self._artifacts(result, tracks))

    def _finding(self, result: SignalOutcome, tracks: object) -> Finding:
        curve = result.worst_curve()
        locus = None
        if curve is not None and len(curve.times_s):
            peak_s, peak_frame, _level = curve.peak()
            locus = Locus(start_s=float(curve.times_s[0]), end_s=float(curve.times_s[-1]), frame_idx=peak_frame,
                          face_track=curve.track_id, artifact=self._artifact_name())
        direction = (Direction.SYNTHETIC if result.suspicious else
                     Direction.AUTHENTIC if result.reassuring else Direction.NEUTRAL)
        what = "suspicious" if result.suspicious else "consistent" if result.reassuring else "inconclusive"
        strength = round(abs(result.score - 0.5) * 2 * 0.6, 3) if direction is not Direction.NEUTRAL else 0.0
        data = {k: v for k, v in result.data.items()} | {"score": round(result.score, 4)} | _curve_data(result)
        return Finding(code=f"{self.info.id}.{what}", message=result.message, direction=direction,
                       strength=strength, locus=locus, data=data)  # type: ignore[arg-type]

    def _artifact_name(self) -> str | None:
        return None

    def _artifacts(self, result: SignalOutcome, tracks: object) -> list[Artifact]:
        return []


class LandmarkJitterAnalyzer(_FaceSignalAnalyzer):
    """Inner-face landmarks wobbling against the head outline."""

    signal = "landmark_jitter"
    info = _info(signal, "Landmark jitter", "Measures frame-to-frame wobble of eyes and nose against the face "
                 "outline after removing head motion (faces generated frame by frame wobble).", 0.15)


class BlinkAnalyzer(_FaceSignalAnalyzer):
    """Blink rate, duration and completeness from the eye aspect ratio."""

    signal = "blink"
    info = _info(signal, "Blinking", "Counts blinks from the eye aspect ratio and compares rate, duration and "
                 "completeness with how people blink.", 0.3,
                 version="0.2.0")  # abstains on frames > 100 ms apart; evidence weighed by the window; face_span_s


class HeadPoseAnalyzer(_FaceSignalAnalyzer):
    """Pose of the central face vs pose of the whole head (Yang et al. 2019)."""

    signal = "head_pose"
    info = _info(signal, "Head-pose consistency", "Compares the head pose implied by the central face with the "
                 "pose of the whole head; pasted faces disagree.", 0.15)


class BlendingAnalyzer(_FaceSignalAnalyzer):
    """Colour, light, sharpness and noise mismatch between the inner face and its edge, with a heatmap."""

    signal = "blending"
    info = _info(signal, "Face blending boundary", "Looks for the seam where a pasted face was blended in: "
                 "texture, sharpness and colour that change between the inner face and its edge.", 0.5, _ANY)

    def _artifact_name(self) -> str | None:
        return "face.blending.boundary"

    def _artifacts(self, result: SignalOutcome, tracks: object) -> list[Artifact]:
        from veracity.analyzers.face._blending import boundary_heatmap
        from veracity.pictures import heatmap_overlay, png_bytes

        curve = result.worst_curve()
        track = next((t for t in tracks.tracks if curve and t.track_id == curve.track_id), None)  # type: ignore[attr-defined]
        if track is None or "blend" not in track.worst:
            return []
        _score, frame_idx, time_s, crop, landmarks = track.worst["blend"]
        overlay = heatmap_overlay(crop, boundary_heatmap(crop, landmarks), alpha=0.6)
        picture = np.concatenate([crop, overlay], axis=1)
        return [Artifact.from_bytes(
            "face.blending.boundary", "image/png",
            f"Face {track.track_id}"
            + ("" if tracks.is_still else f" at {time_s:.2f} s (frame {frame_idx}), its most suspicious frame")  # type: ignore[attr-defined]
            + ": left as seen, right the ring between inner face and edge coloured by mismatch (red = most)",
            png_bytes(picture, max_side_px=900))]


class LipSyncAnalyzer(_FaceSignalAnalyzer):
    """Mouth opening against the speech energy envelope."""

    signal = "lip_sync"
    info = _info(signal, "Lip–audio sync", "Correlates the mouth opening with the loudness of the speech and "
                 "finds the lag; dubbed and lip-synced faces follow the voice poorly.", 0.3,
                 version="0.1.2")  # 0.1.2: abstains when the sampled frames are too far apart; face_span_s


class PulseAnalyzer(_FaceSignalAnalyzer):
    """Remote photoplethysmography across forehead and cheeks (POS)."""

    signal = "pulse"
    info = _info(signal, "Pulse (rPPG)", "Reads the heartbeat from tiny skin-colour changes on forehead and "
                 "cheeks; real faces share one heart rate across regions.", 0.1,
                 version="0.1.2")  # 0.1.2: abstains when the sampled frames are too far apart; face_span_s


class IdentityDriftAnalyzer(_FaceSignalAnalyzer):
    """Sudden appearance changes of a face between neighbouring frames."""

    signal = "identity_drift"
    info = _info(signal, "Identity and texture consistency", "Flags sudden changes of a face's appearance "
                 "between neighbouring frames (generated faces flicker).", 0.1)


class FaceTimelineAnalyzer(Analyzer):
    """Lists the face tracks and draws, per face, every signal's suspicion over time with thumbnails."""

    info = AnalyzerInfo(
        id="face.timeline", version="0.1.1", title="Faces over time",
        summary="Finds and follows the faces, lists them and draws a timeline of every face signal per face.",
        media_kinds=_ANY, requires=_REQUIRES, extra="face", cost=2, fusion_weight=0.0, evidence=_FACE,
        shares=_TRACKS,
    )

    def load(self) -> None:
        from veracity.analyzers.face._tracking import load_face_tracking

        load_face_tracking()

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.face._signals import SIGNALS, no_face_reason, outcome
        from veracity.analyzers.face._timeline import draw_timeline
        from veracity.analyzers.face._tracking import face_tracks
        from veracity.pictures import png_bytes

        tracks = face_tracks(ctx)
        if not tracks.usable:
            return self.abstain(no_face_reason(tracks))
        names = ["blending"] if tracks.is_still else list(SIGNALS)
        outcomes = {name: (SIGNALS[name][0], outcome(ctx, name)) for name in names}
        covered = None if tracks.is_still else coverage(0.0, tracks.duration_s, media.duration_s)
        findings, artifacts = [], []
        drawn = {t.track_id for t in sorted(tracks.tracks, key=lambda t: -len(t.observations))[:_MAX_TIMELINES]}
        for track in tracks.tracks:
            name = f"face.timeline.{track.track_id}" if track.track_id in drawn else None
            if name is not None:
                artifacts.append(Artifact.from_bytes(
                    name, "image/png", f"Face {track.track_id}: suspicion over time for each signal, thumbnails at "
                    "peaks", png_bytes(draw_timeline(track, tracks.duration_s, outcomes, note=covered or ""),
                                       max_side_px=1000)))
            widths = [o.face_width_px for o in track.observations]
            boxes = np.array([o.box_xyxy_px for o in track.observations])
            box = tuple(int(v) for v in np.median(boxes, axis=0))
            profile = sum(abs(o.yaw_proxy) > 0.5 or o.landmarks is None for o in track.observations)
            findings.append(Finding(
                code="face.timeline.track",
                message=f"Face {track.track_id} is seen from {track.start_s:.1f} s to {track.end_s:.1f} s in "
                f"{len(track.observations)} sampled frame(s), about {np.median(widths):.0f} px wide.",
                direction=Direction.NEUTRAL, strength=0.0,
                locus=Locus(start_s=track.start_s, end_s=track.end_s, face_track=track.track_id,
                            frame_range=(track.observations[0].frame_idx, track.observations[-1].frame_idx),
                            box_xyxy_px=box, artifact=name),  # type: ignore[arg-type]
                data={"face_track": track.track_id, "frames": len(track.observations),
                      "frames_with_landmarks": len(track.meshed), "profile_frames": int(profile),
                      "median_width_px": round(float(np.median(widths)), 1),
                      "signal_scores": ",".join(f"{n}={o.score:.2f}" for n, (_l, o) in outcomes.items() if o.judged)},
            ))
        findings.insert(0, Finding(
            code="face.timeline.summary",
            message=f"{len(tracks.tracks)} face track(s) in {tracks.frame_count} sampled frame(s) "
            f"({tracks.fps:.1f} frames/s); at most {tracks.max_faces_in_frame} face(s) at once"
            + (f"; the face checks {covered}." if covered else "."),
            direction=Direction.NEUTRAL, strength=0.0,
            locus=Locus(artifact=artifacts[0].name) if artifacts else None,
            data={"tracks": len(tracks.tracks), "sampled_frames": tracks.frame_count,
                  "frames_with_faces": tracks.frames_with_faces, "fps": round(tracks.fps, 2),
                  "max_faces_in_frame": tracks.max_faces_in_frame, "span_s": round(tracks.duration_s, 2),
                  **({"covered_s": [0.0, round(tracks.duration_s, 2)]} if covered else {})},
        ))
        return self.result(Status.OK, findings=findings, artifacts=artifacts)
