"""Calibration speech of every base voice, analysed once per process and cached.

Upload analysis scores "base voice X adapted with warp alpha" against the performer's
recording many times. What does not depend on the performer is computed once here: the
calibration sentence spoken by the base voice, its WORLD analysis, its pitch statistics and
its own d-vector. espeak-ng's variants share one formant model across languages, so the
espeak voices are calibrated on one Spanish sentence and the warp found there serves every
espeak language; their pitch statistics are still measured per language.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from newvisions.voice_cloning.providers.offline.engines import (
    BASE_VOICES,
    FEMALE,
    MALE,
    BaseVoice,
    espeak_voice,
    get_engine,
)
from newvisions.voice_cloning.speaker_embedding import SAMPLE_RATE, get_speaker_encoder
from newvisions.voice_cloning.world import (
    FloatArray,
    PitchStats,
    WorldFeatures,
    analyse,
    f0_track,
    pitch_stats_of_track,
    resample,
)

CALIBRATION_TEXT = {
    "en": "Hello, this is just a quick note to myself. I want to remember this morning, "
    "because it felt so strange and so vivid.",
    "es": "Hola, esto es solo una nota rápida para mí. Quiero recordar esta mañana, "
    "porque fue muy extraña y muy vívida.",
    "fr": "Bonjour, c'est juste une petite note pour moi. Je veux me souvenir de ce matin, "
    "parce que c'était si étrange et si vivant.",
    "de": "Hallo, das ist nur eine kurze Notiz für mich. Ich will mich an heute Morgen "
    "erinnern, weil es so seltsam und so lebendig war.",
    "it": "Ciao, questa è solo una nota veloce per me. Voglio ricordare stamattina, "
    "perché è stata così strana e così vivida.",
    "pt": "Olá, isto é só uma nota rápida para mim. Quero lembrar desta manhã, "
    "porque foi tão estranha e tão viva.",
}
ESPEAK_CALIBRATION_LANGUAGE = "es"
# Each alpha trial re-synthesises and embeds this much calibration speech: the main cost of
# upload analysis. 5 s keeps it within budget; the choice gets noisier below that.
SCORING_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CalibratedVoice:
    """A base voice's calibration sentence, ready to be adapted and scored."""

    voice: BaseVoice
    features: WorldFeatures
    pitch: PitchStats
    embedding: FloatArray


def speech_16k(voice: BaseVoice, text: str) -> FloatArray:
    speech = get_engine(voice.key).speak(text)
    return resample(speech.samples, speech.sample_rate, SAMPLE_RATE)


def _first_seconds(features: WorldFeatures, seconds: float) -> WorldFeatures:
    frames = int(seconds * 1000 / features.frame_period_ms)
    return WorldFeatures(
        features.f0[:frames],
        features.envelope[:frames],
        features.aperiodicity[:frames],
        features.frame_period_ms,
    )


def _calibrate(voice: BaseVoice) -> CalibratedVoice:
    samples = speech_16k(voice, CALIBRATION_TEXT[voice.language])
    features = analyse(samples)
    embedding = get_speaker_encoder().embed(samples)
    pitch = pitch_stats_of_track(features.f0)
    return CalibratedVoice(voice, _first_seconds(features, SCORING_SECONDS), pitch, embedding)


def _own_pitch(voice: BaseVoice) -> PitchStats:
    return pitch_stats_of_track(f0_track(speech_16k(voice, CALIBRATION_TEXT[voice.language])))


def calibration_candidates(language: str) -> list[BaseVoice]:
    """The voices whose calibration decides `language`'s base voice."""
    if language == "en":
        return [BASE_VOICES["hibari-heart"], BASE_VOICES["piper-joe"]]
    return [espeak_voice(ESPEAK_CALIBRATION_LANGUAGE, sex) for sex in (FEMALE, MALE)]


class CalibrationCache:
    """Process-wide, filled lazily; safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calibrated: dict[str, CalibratedVoice] = {}
        self._pitch: dict[str, PitchStats] = {}

    def calibrated(self, voice: BaseVoice) -> CalibratedVoice:
        with self._lock:
            found = self._calibrated.get(voice.key)
            if found is None:
                found = self._calibrated[voice.key] = _calibrate(voice)
            return found

    def pitch(self, voice: BaseVoice) -> PitchStats:
        """The base voice's own pitch statistics (the source of the pitch mapping)."""
        with self._lock:
            found = self._pitch.get(voice.key)
            if found is None:
                found = self._pitch[voice.key] = _own_pitch(voice)
            return found

    def warm_up(self) -> None:
        """Load every engine and calibrate every voice now, instead of on first use."""
        for language in ("en", ESPEAK_CALIBRATION_LANGUAGE):
            for voice in calibration_candidates(language):
                self.calibrated(voice)
        for voice in BASE_VOICES.values():
            self.pitch(voice)


calibration_cache = CalibrationCache()
