from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.evidence import (
    AnalyzerResult,
    Artifact,
    Direction,
    Finding,
    JsonValue,
    Locus,
    MediaInfo,
    MediaKind,
    Status,
)

ARTIFACT = "audio.speaker_consistency.timeline"


@dataclass(frozen=True)
class SpeakerParams:
    span_s: float = 1.6
    step_s: float = 0.8
    max_spans: int = 120
    same_voice_above: float = 0.7  # cosine similarity to the clip's median voice
    splice_share_below: float = 0.35  # a different voice over less than this share of the speech looks pasted in


class SpeakerConsistencyAnalyzer(Analyzer[SpeakerParams]):
    """Flags a stretch whose voice differs from the rest of the clip (a pasted-in cloned sentence, or a 2nd voice)."""

    info = AnalyzerInfo(
        id="audio.speaker_consistency",
        version="0.1.0",
        title="Speaker consistency",
        summary="Compares voice embeddings (Resemblyzer encoder, shipped in its wheel) along the speech to find "
        "a stretch spoken by a different voice, as in spliced recordings.",
        media_kinds=frozenset({MediaKind.AUDIO, MediaKind.VIDEO}),
        models=("silero-vad",),
        evidence=frozenset({"voice"}),
        requires=("onnxruntime", "resemblyzer", "torch"),
        extra="voice-embed",
        cost=3,  # loads torch: thorough profile, or asked for by id
        fusion_weight=0.3,
    )

    Params = SpeakerParams

    def load(self) -> None:
        from veracity.analyzers.audio._speaker import _encoder

        _encoder()

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.audio import _common
        from veracity.analyzers.audio._picture import shared_canvas, timeline_png
        from veracity.analyzers.audio._speaker import consistency, embed_spans

        if (why := _common.no_sound_reason(media)) is not None:
            return self.not_applicable(why)
        samples, segments = _common.speech(ctx)
        spans = self._spans(segments)
        if len(spans) < 3:
            return self.abstain("too little continuous speech to compare voices (needs about 3 s)")
        similarity = consistency(embed_spans(samples, spans))
        odd = similarity < self.params.same_voice_above
        share = float(odd.mean())
        stretches = _stretches(spans, odd)
        marked = [(a, b, 0.8) for a, b in stretches]
        png = timeline_png(samples, _common.SAMPLE_RATE_HZ, speech=[(s.start_s, s.end_s) for s in segments],
                           marked=marked, canvas=shared_canvas(ctx, samples))
        artifact = Artifact.from_bytes(ARTIFACT, "image/png", "Waveform and spectrogram; red: stretches whose voice "
                                       "differs from the rest", png)
        data: dict[str, JsonValue] = {"spans": len(spans), "different_share": round(share, 3),
                "span_start_s": [round(a, 2) for a, _b in spans],
                "span_similarity": [round(float(s), 3) for s in similarity],
                "min_similarity": round(float(similarity.min()), 3)}
        if not stretches:
            finding = Finding(code="audio.speaker_consistency.same_voice",
                              message="The same voice speaks throughout (this does not rule out a cloned voice).",
                              direction=Direction.NEUTRAL, strength=0.0, locus=Locus(artifact=ARTIFACT), data=data)
            return self.result(Status.OK, findings=[finding], artifacts=[artifact])
        if share >= self.params.splice_share_below:
            finding = Finding(code="audio.speaker_consistency.several_voices",
                              message="More than one voice speaks at length, as in a conversation; voice "
                              "consistency cannot tell a splice here.",
                              direction=Direction.NEUTRAL, strength=0.0, locus=Locus(artifact=ARTIFACT), data=data)
            return self.result(Status.OK, findings=[finding], artifacts=[artifact])
        first, last = stretches[0][0], stretches[-1][1]
        finding = Finding(
            code="audio.speaker_consistency.voice_change",
            message=f"The voice between {first:.1f} s and {last:.1f} s differs from the rest of the recording: "
            "a pasted-in (possibly cloned) passage, or a second speaker.",
            direction=Direction.SYNTHETIC,
            strength=round(0.3 * (1 - share), 3),
            locus=Locus(start_s=round(first, 2), end_s=round(last, 2), artifact=ARTIFACT),
            data=data,
        )
        return self.result(Status.OK, p_synthetic=0.6, findings=[finding], artifacts=[artifact])

    def _spans(self, segments: list) -> list[tuple[float, float]]:
        spans: list[tuple[float, float]] = []
        runs: list[list[float]] = []
        for s in segments:  # bridge short pauses so the spans are long enough to embed
            if runs and s.start_s - runs[-1][1] < 0.5:
                runs[-1][1] = s.end_s
            else:
                runs.append([s.start_s, s.end_s])
        for a, b in runs:
            t = a
            while t + self.params.span_s <= b + 0.2:
                spans.append((t, t + self.params.span_s))
                t += self.params.step_s
        if len(spans) > self.params.max_spans:
            keep = np.linspace(0, len(spans) - 1, self.params.max_spans).round().astype(int)
            spans = [spans[i] for i in sorted(set(keep.tolist()))]
        return spans


def _stretches(spans: list[tuple[float, float]], odd: np.ndarray) -> list[tuple[float, float]]:
    """Time ranges covered by runs of at least two consecutive odd spans (single spans are noise)."""
    out: list[tuple[float, float]] = []
    i = 0
    while i < len(spans):
        if odd[i]:
            j = i
            while j + 1 < len(spans) and odd[j + 1]:
                j += 1
            if j > i:
                out.append((spans[i][0], spans[j][1]))
            i = j + 1
        else:
            i += 1
    return out
