from __future__ import annotations

from newvisions.utils.errors import AppError


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Please log in."


class InvalidToken(AppError):
    status_code = 401
    code = "invalid_token"
    message = "Your session is not valid any more. Please log in again."


class InvalidCredentials(AppError):
    status_code = 401
    code = "invalid_credentials"
    message = "The login or the password is not correct."


class InvalidRefreshToken(AppError):
    status_code = 401
    code = "invalid_refresh_token"
    message = "This session has ended. Please log in again."


class AdminRequired(AppError):
    status_code = 403
    code = "admin_required"
    message = "Only an administrator can do this."


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"
    message = "Too many attempts. Please wait a little and try again."


class SessionNotFound(AppError):
    status_code = 404
    code = "session_not_found"
    message = "There is no such session on your account."


class RefreshTokenMissing(AppError):
    status_code = 401
    code = "refresh_token_missing"
    message = "No session to resume on this device. Please log in."
