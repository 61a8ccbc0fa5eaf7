from __future__ import annotations

from newvisions.utils.errors import AppError


class ActivationCodeInvalid(AppError):
    status_code = 400
    code = "activation_code_invalid"
    message = "This activation code is not valid. Check it and try again."


class ActivationCodeUsed(AppError):
    status_code = 409
    code = "activation_code_used"
    message = "This activation code has already been used."


class ActivationCodeExpired(AppError):
    status_code = 410
    code = "activation_code_expired"
    message = "This activation code has expired."


class ActivationCodeRevoked(AppError):
    status_code = 410
    code = "activation_code_revoked"
    message = "This activation code has been withdrawn."


class ActivationCodeNotFound(AppError):
    status_code = 404
    code = "activation_code_not_found"
    message = "There is no such activation code."


class PasswordResetRefused(AppError):
    status_code = 400
    code = "password_reset_refused"
    message = (
        "This email and code do not match an account. Use the activation code you registered "
        "with, or a reset code from an administrator."
    )
