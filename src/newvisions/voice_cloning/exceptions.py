from __future__ import annotations

from newvisions.utils.errors import AppError


class VoiceProviderUnavailable(AppError):
    status_code = 503
    code = "voice_provider_unavailable"
    message = "The voice service is not answering right now. Please try again in a moment."


class ProviderQuotaExceeded(AppError):
    status_code = 503
    code = "provider_quota_exceeded"
    message = "The voice service has no characters left on this account."


class VoiceSlotsBusy(AppError):
    status_code = 503
    code = "voice_slots_busy"
    message = "Every voice slot is busy right now. Please try again in a few seconds."


class VoiceLimitReached(AppError):
    """The provider refused a new voice because its slots are full (we wait, then retry)."""

    status_code = 503
    code = "voice_limit_reached"
    message = "The voice service has no free voice slot right now."


class VoiceNotFound(AppError):
    status_code = 404
    code = "voice_not_found"
    message = "That voice does not exist at the provider."


class VoiceRecordingMissing(AppError):
    status_code = 409
    code = "voice_recording_missing"
    message = "Record your voice first (30 to 60 seconds), then try again."


class VoiceLanguageUnsupported(AppError):
    status_code = 422
    code = "voice_language_unsupported"
    message = "The offline voice cannot speak that language yet."
