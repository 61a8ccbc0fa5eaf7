"""One note in the performer's adapted voice: base voice TTS, then WORLD adaptation.

The user's settings act here:
- `speaker_sex` picks the base voice when there is no profile, or when the profile found the
  two candidates equally close (`ambiguous`);
- `voice_similarity` (0–100) is how far pitch, formants and tone move toward the performer
  (0 = the base voice untouched);
- `voice_stability` (0–100) sets the prosody: lower is livelier (wider pitch range, more
  generator noise in piper, wider espeak intonation), higher is steadier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from newvisions.voice_cloning.adaptation import AdaptationStrength, VoiceTarget, adapt_features
from newvisions.voice_cloning.exceptions import VoiceLanguageUnsupported
from newvisions.voice_cloning.providers.base import Speech, SpeechRequest, VoiceProfile
from newvisions.voice_cloning.providers.offline.calibration import CalibrationCache
from newvisions.voice_cloning.providers.offline.engines import (
    BASE_VOICES,
    LANGUAGES,
    BaseVoice,
    default_voice_key,
    get_engine,
)
from newvisions.voice_cloning.world import (
    WORK_RATE,
    PitchStats,
    analyse,
    resample,
)

_MIN_ADAPTABLE_S = 0.25  # shorter output (e.g. an empty text) is returned as spoken


@dataclass(frozen=True, slots=True)
class VoicePlan:
    voice: BaseVoice
    target: VoiceTarget | None  # None: no profile, the base voice's own pitch and tone


def default_voice(language: str, speaker_sex: str) -> BaseVoice:
    return BASE_VOICES[default_voice_key(language, speaker_sex)]


def _profile_target(profile: VoiceProfile, alpha: float) -> VoiceTarget:
    pitch = PitchStats(math.log(profile.f0_median_hz), profile.f0_log_std, profile.voiced_ratio)
    tone = None if profile.tone_curve is None else np.asarray(profile.tone_curve, np.float64)
    return VoiceTarget(pitch, alpha, tone)


def plan_voice(profile: VoiceProfile | None, request: SpeechRequest) -> VoicePlan:
    if request.language not in LANGUAGES:
        raise VoiceLanguageUnsupported()
    choice = None if profile is None else profile.base_voices.get(request.language)
    if profile is None or choice is None or choice.voice_key not in BASE_VOICES:
        return VoicePlan(default_voice(request.language, request.speaker_sex), None)
    voice = BASE_VOICES[choice.voice_key]
    if choice.ambiguous and voice.sex != request.speaker_sex:
        return VoicePlan(
            default_voice(request.language, request.speaker_sex), _profile_target(profile, 1.0)
        )
    return VoicePlan(voice, _profile_target(profile, choice.formant_alpha))


def prosody_variation(stability: int) -> float:
    """Engine-side liveliness: 1.3 at stability 0, 1.0 at 50, 0.7 at 100."""
    return 1.3 - 0.6 * min(max(stability, 0), 100) / 100


def pitch_range_scale(stability: int) -> float:
    """Pitch-contour scaling: 1.25 at stability 0, 1.0 at 50, 0.75 at 100."""
    return 1.25 - 0.5 * min(max(stability, 0), 100) / 100


def strength_for(
    request: SpeechRequest, plan: VoicePlan, tone_strength: float
) -> AdaptationStrength:
    amount = 0.0 if plan.target is None else min(max(request.similarity, 0), 100) / 100
    return AdaptationStrength(amount, tone_strength, pitch_range_scale(request.stability))


def speak(
    profile: VoiceProfile | None,
    request: SpeechRequest,
    *,
    tone_strength: float,
    calibration: CalibrationCache,
) -> Speech:
    """Blocking: text → adapted speech (16 kHz), or the base voice's own output."""
    plan = plan_voice(profile, request)
    speech = get_engine(plan.voice.key).speak(request.text, prosody_variation(request.stability))
    strength = strength_for(request, plan, tone_strength)
    if strength.is_identity or speech.duration_s < _MIN_ADAPTABLE_S:
        return speech
    source = calibration.pitch(plan.voice)
    target = plan.target or VoiceTarget(source, 1.0, None)
    features = analyse(resample(speech.samples, speech.sample_rate, WORK_RATE))
    return Speech(adapt_features(features, source, target, strength), WORK_RATE)
