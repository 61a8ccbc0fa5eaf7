from __future__ import annotations

from newvisions.utils.errors import AppError


class IdempotencyKeyReused(AppError):
    status_code = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different perform."


class PerformInProgress(AppError):
    status_code = 409
    code = "perform_in_progress"
    message = "This perform is still being made. Try again in a moment for its result."


class InvalidIdempotencyKey(AppError):
    status_code = 400
    code = "invalid_idempotency_key"
    message = "The Idempotency-Key header must be 1 to 128 visible characters."
