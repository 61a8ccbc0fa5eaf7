"""The offline voice engine: bundled TTS voices adapted toward the performer with WORLD."""

from newvisions.voice_cloning.providers.offline.provider import OfflineVoiceProvider

__all__ = ["OfflineVoiceProvider"]
