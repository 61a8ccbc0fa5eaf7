"""`OfflineVoiceProvider`: the VoiceProvider contract without any network or API key.

A "voice" is an in-memory handle on the performer's voice profile; creating and deleting it
costs nothing, but the provider keeps a slot limit like a hosted account (default 10), so the
ephemeral clone workflow queues and sweeps exactly as it does against ElevenLabs. Handles
live in this process only; after a restart there are none, which is what the sweeper expects
of voices it cannot find.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import partial

import anyio.to_thread
import structlog

from newvisions.config.settings import Settings
from newvisions.voice_cloning.exceptions import VoiceLimitReached, VoiceNotFound
from newvisions.voice_cloning.providers.base import (
    ProviderVoice,
    Speech,
    SpeechRequest,
    VoiceCapacity,
    VoiceProfile,
    VoiceSample,
)
from newvisions.voice_cloning.providers.offline.calibration import (
    CalibrationCache,
    calibration_cache,
)
from newvisions.voice_cloning.providers.offline.synthesis import speak

log = structlog.get_logger(__name__)

PROVIDER_NAME = "offline"
DEFAULT_VOICE_LIMIT = 10
DEFAULT_TONE_STRENGTH = 1.0


@dataclass(frozen=True, slots=True)
class _AdaptedVoice:
    voice_id: str
    name: str
    profile: VoiceProfile | None


class OfflineVoiceProvider:
    def __init__(
        self,
        *,
        voice_limit: int = DEFAULT_VOICE_LIMIT,
        tone_strength: float = DEFAULT_TONE_STRENGTH,
        calibration: CalibrationCache = calibration_cache,
    ) -> None:
        self._voice_limit = voice_limit
        self._tone_strength = tone_strength
        self._calibration = calibration
        self._voices: dict[str, _AdaptedVoice] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> OfflineVoiceProvider:
        return cls(
            voice_limit=settings.offline_voice_limit,
            tone_strength=settings.offline_tone_strength,
        )

    @property
    def name(self) -> str:
        return PROVIDER_NAME

    async def warm_up(self) -> None:
        """Load every engine and calibrate the base voices (a few seconds, in a thread)."""
        await anyio.to_thread.run_sync(self._calibration.warm_up)

    async def create_voice(self, name: str, sample: VoiceSample) -> str:
        if len(self._voices) >= self._voice_limit:
            raise VoiceLimitReached()
        voice_id = f"offline-{secrets.token_hex(8)}"
        self._voices[voice_id] = _AdaptedVoice(voice_id, name, sample.profile)
        log.info("voice_clone.offline_created", voice_id=voice_id, profiled=bool(sample.profile))
        return voice_id

    async def delete_voice(self, voice_id: str) -> None:
        self._voices.pop(voice_id, None)

    async def list_voices(self, prefix: str) -> list[ProviderVoice]:
        return [
            ProviderVoice(voice.voice_id, voice.name)
            for voice in self._voices.values()
            if voice.name.startswith(prefix)
        ]

    async def capacity(self) -> VoiceCapacity:
        return VoiceCapacity(limit=self._voice_limit, used=len(self._voices))

    async def synthesize(self, voice_id: str, request: SpeechRequest) -> Speech:
        voice = self._voices.get(voice_id)
        if voice is None:
            raise VoiceNotFound()
        work = partial(
            speak,
            voice.profile,
            request,
            tone_strength=self._tone_strength,
            calibration=self._calibration,
        )
        return await anyio.to_thread.run_sync(work)
