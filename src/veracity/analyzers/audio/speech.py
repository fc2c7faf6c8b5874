from __future__ import annotations

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status

ARTIFACT = "audio.speech.timeline"


class SpeechActivityAnalyzer(Analyzer):
    """Where people speak (Silero VAD): context for the other voice analyzers, no weight in the verdict."""

    info = AnalyzerInfo(
        id="audio.speech",
        version="0.1.0",
        title="Speech activity",
        summary="Finds where people speak in the sound (Silero VAD, shipped in its package); voice analyzers "
        "look only there.",
        media_kinds=frozenset({MediaKind.AUDIO, MediaKind.VIDEO}),
        models=("silero-vad",),
        evidence=frozenset({"voice"}),
        requires=("onnxruntime",),
        extra="audio",
        cost=1,
        fusion_weight=0.0,
    )

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.audio import _common
        from veracity.analyzers.audio._picture import shared_canvas, timeline_png

        if (why := _common.no_sound_reason(media)) is not None:
            return self.not_applicable(why)
        samples, segments = _common.speech(ctx)
        duration_s = samples.size / _common.SAMPLE_RATE_HZ
        total_s = sum(s.duration_s for s in segments)
        png = timeline_png(samples, _common.SAMPLE_RATE_HZ, speech=[(s.start_s, s.end_s) for s in segments],
                           canvas=shared_canvas(ctx, samples))
        artifact = Artifact.from_bytes(ARTIFACT, "image/png", "Waveform and spectrogram; grey bar: speech", png)
        finding = Finding(
            code="audio.speech.segments" if segments else "audio.speech.none",
            message=(f"Speech found in {len(segments)} stretch(es), {total_s:.1f} s of {duration_s:.1f} s."
                     if segments else "No speech was found in the sound."),
            direction=Direction.NEUTRAL,
            strength=0.0,
            locus=Locus(start_s=segments[0].start_s, end_s=segments[-1].end_s, artifact=ARTIFACT)
            if segments else Locus(artifact=ARTIFACT),
            data={"speech_s": round(total_s, 3), "duration_s": round(duration_s, 3),
                  "segment_start_s": [s.start_s for s in segments[:200]],
                  "segment_end_s": [s.end_s for s in segments[:200]]},
        )
        return self.result(Status.OK, findings=[finding], artifacts=[artifact])
