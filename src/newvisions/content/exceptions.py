from __future__ import annotations

from newvisions.utils.errors import AppError


class UnknownRoutine(AppError):
    status_code = 422
    code = "unknown_routine"
    message = (
        "Unknown routine. Use one of: cards, numbers, star-signs, names, years, movies, "
        "phobias, custom."
    )


class InvalidValue(AppError):
    status_code = 422
    code = "value_invalid"
    message = "This value cannot be used for this routine."


class ValueNotAllowed(AppError):
    status_code = 422
    code = "value_not_allowed"
    message = (
        "This value contains a word that New Visions does not put in a note. "
        "Please choose something else."
    )


class NoteUnavailable(AppError):
    """Even the offline composer found no note that passes the checks (long free text)."""

    status_code = 422
    code = "note_unavailable"
    message = "No note could be written for this value. Please try a shorter value."


class ThoughtProviderUnavailable(AppError):
    """A remote thought provider failed (timeout, quota, outage, refusal); callers fall back."""

    status_code = 503
    code = "thought_provider_unavailable"
    message = "The note writer is unavailable right now."

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason  # for logs: "timeout", "http_429", "prompt_blocked:SAFETY", …


class UnusableThought(Exception):
    """A provider answered without a usable note (truncated, filtered, empty): try again."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ThoughtPreviewRateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many note previews. Please wait a moment and try again."
