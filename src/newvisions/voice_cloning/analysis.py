"""Upload-time analysis of the performer's recording (run once, stored as the voice profile).

`analyse_recording` measures the speaker d-vector, the pitch statistics and the long-term tone
of the recording, then, for every supported language, picks the bundled base voice and the
formant warp alpha that bring adapted speech closest to the performer. A perform then pays
nothing for any of it.

It is CPU-bound and blocking (about 3 s of CPU for 60 s of audio once the engines are
warm): call it from a worker thread (`anyio.to_thread.run_sync`), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np

from newvisions.config.settings import Settings, VoiceProviderName
from newvisions.voice_cloning.adaptation import (
    ALPHA_MAX,
    ALPHA_MIN,
    AdaptationStrength,
    VoiceTarget,
    adapt_features,
)
from newvisions.voice_cloning.providers.base import BaseVoiceChoice, VoiceProfile
from newvisions.voice_cloning.providers.offline.calibration import (
    ESPEAK_CALIBRATION_LANGUAGE as ESPEAK_GROUP,
)
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
_STATS_FRAME_MS = 20.0  # averages over a minute need no finer frames
_STATS_DIO_SPEED = 4
_ALPHA_STEPS = (0.1, 0.05)
# Trials per alpha search. espeak's robotic voices gain little from a fine warp, so their
# search stops after one step either side of 1.0.
_ALPHA_TRIALS = {"en": 6, ESPEAK_GROUP: 3}


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


def _measure(samples_16k: FloatArray, pool: ThreadPoolExecutor) -> _Recording:
    # The encoder releases the GIL while WORLD holds it: both run at once on 2 cores.
    embedding = pool.submit(get_speaker_encoder().embed, samples_16k, WINDOW_FRAMES)
    f0 = f0_track(samples_16k, _STATS_FRAME_MS, _STATS_DIO_SPEED)
    envelope = spectral_envelope(samples_16k, f0, _STATS_FRAME_MS)
    return _Recording(
        embedding=embedding.result(),
        pitch=pitch_stats_of_track(f0),
        timbre=mean_log_envelope(envelope, f0),
    )


class _Scorer:
    """Similarity of "calibration speech adapted with alpha" to the recording.

    A batch is pipelined: WORLD re-synthesis of the next trial (holding the GIL) overlaps the
    d-vector of the previous one (ONNX Runtime, GIL released) in the worker thread.
    """

    def __init__(
        self, recording: _Recording, tone_strength: float, pool: ThreadPoolExecutor
    ) -> None:
        self._recording = recording
        self._strength = AdaptationStrength(amount=1.0, timbre_strength=tone_strength)
        self._pool = pool

    def _similarity(self, adapted: FloatArray) -> float:
        embedding = get_speaker_encoder().embed(adapted, stride_frames=WINDOW_FRAMES)
        return cosine(embedding, self._recording.embedding)

    def scores(self, trials: Sequence[tuple[CalibratedVoice, float]]) -> list[float]:
        pending: list[Future[float]] = []
        for calibrated, alpha in trials:
            target = VoiceTarget(self._recording.pitch, alpha, self._recording.timbre)
            adapted = adapt_features(calibrated.features, calibrated.pitch, target, self._strength)
            pending.append(self._pool.submit(self._similarity, adapted))
        return [future.result() for future in pending]


def _climb_alpha(
    scorer: _Scorer, calibrated: CalibratedVoice, start: float, max_trials: int
) -> tuple[float, float]:
    """Hill-climb alpha from 1.0 in steps of 0.1, then 0.05; a handful of trials in all."""
    tried = {1.0: start}
    best_alpha, best_score = 1.0, start
    for step in _ALPHA_STEPS:
        improved = True
        while improved and len(tried) < max_trials:
            around = (round(best_alpha - step, 3), round(best_alpha + step, 3))
            alphas = [a for a in around if a not in tried and ALPHA_MIN <= a <= ALPHA_MAX]
            tried.update(zip(alphas, scorer.scores([(calibrated, a) for a in alphas]), strict=True))
            previous = best_alpha
            best_alpha = max(tried, key=lambda a: tried[a])
            best_score = tried[best_alpha]
            improved = best_alpha != previous
    return best_alpha, best_score


def _choose(language_group: str, scorer: _Scorer, recording: _Recording) -> list[_Scored]:
    """Score every candidate at alpha 1, refine alpha for the best; best first."""
    candidates = [calibration_cache.calibrated(v) for v in calibration_candidates(language_group)]
    at_one = scorer.scores([(calibrated, 1.0) for calibrated in candidates])
    ranked = sorted(zip(candidates, at_one, strict=True), key=lambda item: item[1], reverse=True)

    def base(calibrated: CalibratedVoice) -> float:
        return cosine(calibrated.embedding, recording.embedding)

    best, best_at_one = ranked[0]
    alpha, similarity = _climb_alpha(scorer, best, best_at_one, _ALPHA_TRIALS[language_group])
    return [
        _Scored(best, alpha, similarity, base(best)),
        *(_Scored(cal, 1.0, sim, base(cal)) for cal, sim in ranked[1:]),
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
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice-analysis") as pool:
        recording = _measure(samples_16k, pool)
        scorer = _Scorer(recording, tone_strength, pool)
        english = _choose("en", scorer, recording)
        espeak = _choose(ESPEAK_GROUP, scorer, recording)
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


def voice_analyser(settings: Settings) -> Callable[[FloatArray, int], VoiceProfile] | None:
    """The upload analyser for the configured provider: only the offline engine uses the
    profile, so with a hosted provider recordings are not analysed."""
    if settings.voice_provider is not VoiceProviderName.offline:
        return None
    return partial(analyse_recording, tone_strength=settings.offline_tone_strength)
