"""Which `VoiceProvider` runs is configuration (NV_VOICE_PROVIDER); one instance per app."""

from __future__ import annotations

import structlog

from newvisions.config.settings import Settings, VoiceProviderName
from newvisions.voice_cloning.providers.base import VoiceProvider
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.offline import OfflineVoiceProvider

log = structlog.get_logger(__name__)


def build_voice_provider(settings: Settings) -> VoiceProvider | None:
    """The configured provider, or None when it is not available in this build.

    The offline engine costs nothing to build: its models load on first use.
    """
    if settings.voice_provider is VoiceProviderName.elevenlabs:
        return ElevenLabsVoiceProvider.from_settings(settings)
    if settings.voice_provider is VoiceProviderName.offline:
        return OfflineVoiceProvider.from_settings(settings)
    log.info("voice_provider.not_available", provider=settings.voice_provider.value)
    return None


async def close_voice_provider(provider: VoiceProvider | None) -> None:
    """Release the provider's connections, for providers that hold any."""
    close = getattr(provider, "aclose", None)
    if close is not None:
        await close()
