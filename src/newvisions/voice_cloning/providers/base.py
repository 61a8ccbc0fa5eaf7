"""The contract every voice provider keeps (ElevenLabs and the offline engine alike).

The ephemeral clone workflow only talks to this protocol, so it behaves identically online
and offline: create a voice from the performer's recording, speak with it, delete it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

VOICE_NAME_PREFIX = "nv-"


class BaseVoiceChoice(BaseModel):
    """For one language: the bundled base voice closest to the performer, and its warp."""

    voice_key: str
    formant_alpha: float
    similarity: float  # d-vector cosine of the adapted calibration speech to the recording
    base_similarity: float | None = None  # the same, for the unadapted base voice
    ambiguous: bool = False  # the other candidate scored about as well: speaker_sex decides


class VoiceProfile(BaseModel):
    """What upload-time analysis learned about the performer's voice (stored as JSON)."""

    speaker_embedding: list[float]
    f0_median_hz: float  # exp(mean ln F0) over voiced frames
    f0_log_std: float
    voiced_ratio: float
    base_voices: dict[str, BaseVoiceChoice]  # by language code
    # Smoothed mean log spectral envelope at 16 kHz (513 bins): the recording's tone, used
    # as an EQ target by offline adaptation. It also carries the microphone and room.
    tone_curve: list[float] | None = None


@dataclass(frozen=True, slots=True)
class VoiceSample:
    """The performer's stored recording, as handed to `create_voice`."""

    audio: bytes
    mime_type: str
    profile: VoiceProfile | None


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    text: str
    language: str
    speaker_sex: str
    stability: int  # 0–100, the user's voice_stability
    similarity: int  # 0–100, the user's voice_similarity


@dataclass(frozen=True, slots=True)
class Speech:
    """Mono float32 samples in [-1, 1]; what memo rendering consumes."""

    samples: npt.NDArray[np.float32]
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True, slots=True)
class ProviderVoice:
    voice_id: str
    name: str


@dataclass(frozen=True, slots=True)
class VoiceCapacity:
    """Cloned-voice slots of the provider account (not of one user)."""

    limit: int
    used: int

    @property
    def free(self) -> int:
        return max(0, self.limit - self.used)


class VoiceProvider(Protocol):
    """Errors are raised as `voice_cloning.exceptions` AppErrors, never as vendor types."""

    @property
    def name(self) -> str:
        """`elevenlabs` or `offline`: reported to clients as `voice_source`."""
        ...

    async def create_voice(self, name: str, sample: VoiceSample) -> str:
        """Create a voice called `name` (our `nv-<ledger id>`); returns the provider's id."""
        ...

    async def delete_voice(self, voice_id: str) -> None:
        """Delete a voice; deleting a voice that no longer exists is not an error."""
        ...

    async def list_voices(self, prefix: str) -> list[ProviderVoice]:
        """Every cloned voice whose name starts with `prefix` (for the sweeper)."""
        ...

    async def capacity(self) -> VoiceCapacity: ...

    async def synthesize(self, voice_id: str, request: SpeechRequest) -> Speech:
        """Speak `request.text` with the voice; the audio is complete when this returns."""
        ...
