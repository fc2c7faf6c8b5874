from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import strength
from veracity.config import Profile
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status

ARTIFACT = "audio.aasist.timeline"


@dataclass(frozen=True)
class AasistParams:
    variant: str = "aasist"  # or "aasist-l", the light model (about twice as fast)
    max_windows: int = 8  # per file outside the thorough profile, picked evenly across the clip
    flag_above: float = 0.5  # windows whose spoof probability reaches this are marked


class AasistAnalyzer(Analyzer[AasistParams]):
    """AASIST spoofed-speech detector over 4-second windows of speech (published weights, converted to ONNX)."""

    info = AnalyzerInfo(
        id="audio.aasist",
        version="0.1.0",
        title="AASIST synthetic speech detector",
        summary="Published anti-spoofing network (ASVspoof 2019) scoring 4 s windows of speech; needs "
        "`veracity models fetch aasist`.",
        media_kinds=frozenset({MediaKind.AUDIO, MediaKind.VIDEO}),
        models=("silero-vad", "aasist"),
        evidence=frozenset({"voice"}),
        requires=("onnxruntime",),
        extra="audio",
        cost=3,
        # A peer baseline: on the evaluation corpus (modern TTS, studio recordings) it ranks real above fake
        # (ROC AUC < 0.5), so it carries no weight in the verdict until it is calibrated on in-domain data.
        fusion_weight=0.0,
    )

    Params = AasistParams

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.audio import _aasist, _common
        from veracity.analyzers.audio._picture import shared_canvas, timeline_png
        from veracity.analyzers.audio._windows import speech_windows, window_samples
        from veracity.models.registry import ModelError, require_output

        if (why := _common.no_sound_reason(media)) is not None:
            return self.not_applicable(why)
        thorough = ctx.settings.profile is Profile.THOROUGH
        variant = self.params.variant
        try:
            onnx_path = require_output("aasist", f"{variant}.onnx", ctx.settings.model_dir)
        except ModelError as exc:
            return self.result(Status.ABSTAINED, reason=f"model missing: {exc}", hint="veracity models fetch aasist")
        samples, segments = _common.speech(ctx)
        if (why := _common.too_little_speech(segments)) is not None:
            return self.abstain(why)
        duration_s = samples.size / _common.SAMPLE_RATE_HZ
        windows = speech_windows(segments, duration_s, _aasist.WINDOW_S,
                                 max_windows=None if thorough else self.params.max_windows)
        if not windows:
            return self.abstain("no window holds enough speech")
        scores = _aasist.p_spoof(onnx_path, [
            window_samples(samples, _common.SAMPLE_RATE_HZ, w, _aasist.INPUT_SAMPLES) for w in windows
        ])
        p_synthetic = float(np.mean(scores))
        flagged = [(w, float(p)) for w, p in zip(windows, scores, strict=False) if p >= self.params.flag_above]
        png = timeline_png(samples, _common.SAMPLE_RATE_HZ, speech=[(s.start_s, s.end_s) for s in segments],
                           marked=[(w.start_s, w.end_s, p) for w, p in flagged],
                           canvas=shared_canvas(ctx, samples))
        artifact = Artifact.from_bytes(ARTIFACT, "image/png", "Waveform and spectrogram; red: windows AASIST finds "
                                       "spoofed, grey bar: speech", png)
        findings = [Finding(
            code="audio.aasist.summary",
            message=_summary(p_synthetic, len(flagged), len(windows)),
            direction=Direction.SYNTHETIC if p_synthetic >= 0.5 else Direction.AUTHENTIC,
            strength=strength(p_synthetic, reliability=0.5),
            locus=Locus(start_s=windows[0].start_s, end_s=windows[-1].end_s, artifact=ARTIFACT),
            data={"model": variant, "windows": len(windows), "p_spoof_mean": round(p_synthetic, 4),
                  "p_spoof_max": round(float(scores.max()), 4),
                  "window_start_s": [w.start_s for w in windows], "window_end_s": [w.end_s for w in windows],
                  "window_p_spoof": [round(float(p), 4) for p in scores]},
        )]
        for window, p in sorted(flagged, key=lambda wp: -wp[1])[:10]:
            findings.append(Finding(
                code="audio.aasist.window",
                message=f"AASIST finds the speech between {window.start_s:.1f} s and {window.end_s:.1f} s "
                f"resembles synthetic or converted speech ({p:.0%}).",
                direction=Direction.SYNTHETIC,
                strength=strength(p, reliability=0.4),
                locus=Locus(start_s=window.start_s, end_s=window.end_s, artifact=ARTIFACT),
                data={"p_spoof": round(p, 4), "speech_s": window.speech_s, "model": variant},
            ))
        return self.result(Status.OK, p_synthetic=p_synthetic, findings=findings, artifacts=[artifact])


def _summary(p_synthetic: float, flagged: int, total: int) -> str:
    if flagged == 0:
        return f"AASIST, a published spoofed-speech detector, finds none of the {total} speech windows synthetic."
    return (f"AASIST, a published spoofed-speech detector, finds {flagged} of {total} speech windows resemble "
            f"synthetic or converted speech (average {p_synthetic:.0%}); it is often wrong on studio recordings.")
