from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.analyzers.base import AnalysisContext, Analyzer, AnalyzerInfo
from veracity.analyzers.scoring import probability, strength
from veracity.config import Profile
from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, Locus, MediaInfo, MediaKind, Status

ARTIFACT = "audio.voice_forensics.timeline"
_PLAIN_WORDS = {
    "rolloff95_hz": "where the voice's energy stops in frequency",
    "hf_ratio_db": "energy above 4 kHz",
    "hf_ratio_db_std": "how much the energy above 4 kHz varies",
    "top_band_ratio_db": "energy near the top of the band (6.5-8 kHz)",
    "flatness_db": "spectral flatness",
    "hf_flatness_db": "noisiness above 4 kHz",
    "flux": "how fast the spectrum changes",
    "phase_dev_low": "phase regularity below 4 kHz",
    "phase_dev_high": "phase regularity above 4 kHz",
    "floor_db": "the background noise level",
    "gap_flatness_db": "the texture of the silences",
    "breath_level_db": "breaths or sounds in the pauses",
    "pause_ratio": "the share of pauses",
    "voiced_ratio": "the share of voiced sound",
    "f0_std_st": "pitch range",
    "jitter": "pitch micro-variation (jitter)",
    "shimmer": "loudness micro-variation (shimmer)",
    "f0_smoothness": "pitch contour smoothness",
    "spectral_holes": "gaps in the spectrum left by compression",
    "sub_bass_ratio_db": "low rumble below 90 Hz",
    "hf_modulation": "how the high band follows the voice",
}
_PLAIN_PREFIXES = {
    "lfccmean": "the spectral envelope on a linear frequency scale (LFCC)",
    "lfccstd": "how much the linear-scale spectral envelope varies (LFCC)",
    "lfccdstd": "how fast the linear-scale spectral envelope moves (LFCC deltas)",
    "mfccmean": "the spectral envelope on the mel scale (MFCC)",
    "mfccstd": "how much the mel-scale spectral envelope varies (MFCC)",
}


def _plain_words(name: str) -> str:
    """What a feature measures, in words (cepstral coefficients grouped by statistic)."""
    if name in _PLAIN_WORDS:
        return _PLAIN_WORDS[name]
    if name.startswith("band_"):
        _band, low, high, _db = name.split("_")
        return f"energy between {low} and {high} kHz"
    return _PLAIN_PREFIXES.get(name.split("_")[0], name)


@dataclass(frozen=True)
class VoiceForensicsParams:
    max_windows: int = 8  # per file outside the thorough profile
    flag_above: float = 0.6


class VoiceForensicsAnalyzer(Analyzer[VoiceForensicsParams]):
    """Our voice features (vocoder band limits, phase, jitter/shimmer, pauses, codec history) and shipped model."""

    info = AnalyzerInfo(
        id="audio.voice_forensics",
        version="0.1.0",
        title="Voice forensics",
        summary="Measures band limits, high-frequency energy, phase, pitch micro-variation, pauses and breaths "
        "of the speech and scores them with a small shipped classifier.",
        media_kinds=frozenset({MediaKind.AUDIO, MediaKind.VIDEO}),
        models=("silero-vad", "voice-forensics"),
        evidence=frozenset({"voice"}),
        requires=("onnxruntime",),
        extra="audio",
        cost=1,
        fusion_weight=0.6,
    )

    Params = VoiceForensicsParams

    def load(self) -> None:
        from veracity.analyzers.audio import _voice_model
        from veracity.models.registry import shipped_file

        self._model = _voice_model.load(shipped_file("voice-forensics"))

    def analyze(self, media: MediaInfo, ctx: AnalysisContext) -> AnalyzerResult:
        from veracity.analyzers.audio import _common
        from veracity.analyzers.audio._picture import shared_canvas, timeline_png
        from veracity.analyzers.audio._voice_features import FEATURES, feature_vector
        from veracity.analyzers.audio._voice_model import file_windows

        if (why := _common.no_sound_reason(media)) is not None:
            return self.not_applicable(why)
        samples, segments = _common.speech(ctx)
        if (why := _common.too_little_speech(segments)) is not None:
            return self.abstain(why)
        thorough = ctx.settings.profile is Profile.THOROUGH
        cepstral = not set(self._model.features) <= set(FEATURES)
        windows = file_windows(samples, segments, None if thorough else self.params.max_windows, cepstral)
        if not windows:
            return self.abstain("no window holds enough speech")
        rows = np.array([feature_vector(f, self._model.features) for _w, f in windows])
        logits = self._model.logits(rows)
        p_windows = probability(np.asarray(logits))
        p_synthetic = probability(float(np.mean(logits)))
        flagged = [(w, float(p)) for (w, _f), p in zip(windows, p_windows, strict=False) if p >= self.params.flag_above]
        png = timeline_png(samples, _common.SAMPLE_RATE_HZ, speech=[(s.start_s, s.end_s) for s in segments],
                           marked=[(w.start_s, w.end_s, p) for w, p in flagged],
                           canvas=shared_canvas(ctx, samples))
        artifact = Artifact.from_bytes(ARTIFACT, "image/png", "Waveform and spectrogram; red: windows whose voice "
                                       "features look synthetic, grey bar: speech", png)
        mean_row = rows.mean(axis=0)
        shares = self._model.contributions(mean_row)
        leaning = sorted(shares.items(), key=lambda kv: -abs(kv[1]))[:3]
        direction = Direction.SYNTHETIC if p_synthetic >= 0.5 else Direction.AUTHENTIC
        reasons = ", ".join(dict.fromkeys(_plain_words(name) for name, v in leaning
                                          if (v > 0) == (direction is Direction.SYNTHETIC)))
        verdict = "look synthetic" if direction is Direction.SYNTHETIC else "look like a recorded voice"
        findings = [Finding(
            code="audio.voice_forensics.summary",
            message=f"Measured voice features {verdict} ({p_synthetic:.0%} synthetic over {len(windows)} "
            f"window(s))" + (f"; weighing most: {reasons}." if reasons else "."),
            direction=direction,
            strength=strength(p_synthetic, reliability=0.5),
            locus=Locus(start_s=windows[0][0].start_s, end_s=windows[-1][0].end_s, artifact=ARTIFACT),
            data={"windows": len(windows),
                  "window_start_s": [w.start_s for w, _f in windows], "window_end_s": [w.end_s for w, _f in windows],
                  "window_p_synthetic": [round(float(p), 4) for p in p_windows],
                  **{f"feature.{k}": round(float(v), 4) for k, v in zip(self._model.features, mean_row, strict=False)},
                  **{f"logit.{k}": round(v, 3) for k, v in leaning}},
        )]
        for window, p in sorted(flagged, key=lambda wp: -wp[1])[:10]:
            findings.append(Finding(
                code="audio.voice_forensics.window",
                message=f"The voice between {window.start_s:.1f} s and {window.end_s:.1f} s has the measurable "
                f"traits of synthetic speech ({p:.0%}).",
                direction=Direction.SYNTHETIC,
                strength=strength(p, reliability=0.4),
                locus=Locus(start_s=window.start_s, end_s=window.end_s, artifact=ARTIFACT),
                data={"p_synthetic": round(p, 4), "speech_s": window.speech_s},
            ))
        return self.result(Status.OK, p_synthetic=p_synthetic, findings=findings, artifacts=[artifact])
