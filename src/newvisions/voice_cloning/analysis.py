"""Upload-time analysis of the performer's recording (run once, stored as the voice profile).

`analyse_recording` measures the speaker d-vector, the pitch statistics and the long-term tone
of the recording, then, for every supported language, picks the bundled base voice and the
formant warp alpha that bring adapted speech closest to the performer. A perform then pays
nothing for any of it.

It is CPU-bound and blocking (about 2–4 s for 60 s of audio on 2 cores once the engines are
warm): call it from a worker thread (`anyio.to_thread.run_sync`), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from newvisions.voice_cloning.adaptation import (
    ALPHA_MAX,
    ALPHA_MIN,
    AdaptationStrength,
    VoiceTarget,
    adapt_features,
)
from newvisions.voice_cloning.providers.base import BaseVoiceChoice, VoiceProfile
from newvisions.voice_cloning.providers.offline.calibration import (
    CalibratedVoice,
    calibration_cache,
    calibration_candidates,
)
from newvisions.voice_cloning.providers.offline.engines import LANGUAGES, espeak_voice
from newvisions.voice_cloning.speaker_embedding import (
    SAMPLE_RATE,
    WINDOW_FRAMES,
    cosine,
    get_speaker_encoder,
)
from newvisions.voice_cloning.world import (
    Float64Array,
    FloatArray,
    PitchStats,
    f0_track,
    mean_log_envelope,
    pitch_stats_of_track,
    resample,
    spectral_envelope,
)

DEFAULT_TONE_STRENGTH = 1.0
# Two candidates closer than this are a toss-up: the performer's speaker_sex decides.
AMBIGUOUS_MARGIN = 0.03
_ANALYSIS_FRAME_MS = 10.0  # statistics over a minute need no 5 ms resolution
_ALPHA_STEPS = (0.1, 0.05)
_MAX_ALPHA_TRIALS = 6


@dataclass(frozen=True, slots=True)
class _Recording:
    embedding: FloatArray
    pitch: PitchStats
    timbre: Float64Array


@dataclass(frozen=True, slots=True)
class _Scored:
    calibrated: CalibratedVoice
    alpha: float
    similarity: float
    base_similarity: float


def _measure(samples_16k: FloatArray) -> _Recording:
    f0 = f0_track(samples_16k, _ANALYSIS_FRAME_MS)
    envelope = spectral_envelope(samples_16k, f0, _ANALYSIS_FRAME_MS)
    return _Recording(
        embedding=get_speaker_encoder().embed(samples_16k, stride_frames=WINDOW_FRAMES),
        pitch=pitch_stats_of_track(f0),
        timbre=mean_log_envelope(envelope, f0),
    )


def _scorer(
    calibrated: CalibratedVoice, recording: _Recording, tone_strength: float
) -> Callable[[float], float]:
    strength = AdaptationStrength(amount=1.0, timbre_strength=tone_strength)
    encoder = get_speaker_encoder()

    def score(alpha: float) -> float:
        target = VoiceTarget(recording.pitch, alpha, recording.timbre)
        adapted = adapt_features(calibrated.features, calibrated.pitch, target, strength)
        return cosine(encoder.embed(adapted, stride_frames=WINDOW_FRAMES), recording.embedding)

    return score


def _climb_alpha(score: Callable[[float], float], start: float) -> tuple[float, float]:
    """Hill-climb alpha from 1.0 in steps of 0.1, then 0.05; a handful of trials in all."""
    tried = {1.0: start}
    best_alpha, best_score = 1.0, start
    for step in _ALPHA_STEPS:
        improved = True
        while improved and len(tried) < _MAX_ALPHA_TRIALS:
            improved = False
            for alpha in (round(best_alpha - step, 3), round(best_alpha + step, 3)):
                if alpha in tried or not ALPHA_MIN <= alpha <= ALPHA_MAX:
                    continue
                tried[alpha] = score(alpha)
                if tried[alpha] > best_score:
                    best_alpha, best_score, improved = alpha, tried[alpha], True
    return best_alpha, best_score


def _choose(language_group: str, recording: _Recording, tone_strength: float) -> list[_Scored]:
    """Score every candidate at alpha 1, refine alpha for the best; best first."""
    scored = []
    for voice in calibration_candidates(language_group):
        calibrated = calibration_cache.calibrated(voice)
        score = _scorer(calibrated, recording, tone_strength)
        base = cosine(calibrated.embedding, recording.embedding)
        scored.append((calibrated, score, score(1.0), base))
    scored.sort(key=lambda item: item[2], reverse=True)
    best_calibrated, best_score, at_one, best_base = scored[0]
    alpha, similarity = _climb_alpha(best_score, at_one)
    return [
        _Scored(best_calibrated, alpha, similarity, best_base),
        *(_Scored(cal, 1.0, sim, base) for cal, _, sim, base in scored[1:]),
    ]


def _choice(voice_key: str, ranked: list[_Scored]) -> BaseVoiceChoice:
    best = ranked[0]
    runner_up = ranked[1].similarity if len(ranked) > 1 else -1.0
    return BaseVoiceChoice(
        voice_key=voice_key,
        formant_alpha=best.alpha,
        similarity=round(best.similarity, 4),
        base_similarity=round(best.base_similarity, 4),
        ambiguous=best.similarity - runner_up < AMBIGUOUS_MARGIN,
    )


def _round_list(values: FloatArray | Float64Array) -> list[float]:
    return [round(float(v), 4) for v in values]


def analyse_recording(
    samples: FloatArray, sample_rate: int, *, tone_strength: float = DEFAULT_TONE_STRENGTH
) -> VoiceProfile:
    """The voice profile of a mono float32 recording (any rate; analysed at 16 kHz).

    Raises `NotEnoughVoice` when the recording has too little voiced speech to measure.
    """
    samples_16k = resample(np.asarray(samples, dtype=np.float32), sample_rate, SAMPLE_RATE)
    recording = _measure(samples_16k)
    english = _choose("en", recording, tone_strength)
    espeak = _choose("es", recording, tone_strength)
    base_voices = {"en": _choice(english[0].calibrated.voice.key, english)}
    for language in LANGUAGES:
        if language != "en":
            voice = espeak_voice(language, espeak[0].calibrated.voice.sex)
            base_voices[language] = _choice(voice.key, espeak)
    return VoiceProfile(
        speaker_embedding=_round_list(recording.embedding),
        f0_median_hz=round(recording.pitch.median_hz, 2),
        f0_log_std=round(recording.pitch.log_f0_std, 4),
        voiced_ratio=round(recording.pitch.voiced_ratio, 4),
        base_voices=base_voices,
        tone_curve=_round_list(recording.timbre),
    )
