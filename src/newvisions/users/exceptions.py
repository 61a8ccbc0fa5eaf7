from __future__ import annotations

from newvisions.utils.errors import AppError


class UsernameTaken(AppError):
    status_code = 409
    code = "username_taken"
    message = "This username is already taken."


class EmailTaken(AppError):
    status_code = 409
    code = "email_taken"
    message = "An account with this email already exists."


class WrongPassword(AppError):
    status_code = 403
    code = "wrong_password"
    message = "The current password is not correct."


class UserNotFound(AppError):
    status_code = 404
    code = "user_not_found"
    message = "There is no such user."


class UserDeactivated(AppError):
    status_code = 403
    code = "user_deactivated"
    message = "This account has been deactivated."


class CannotDeactivateSelf(AppError):
    status_code = 409
    code = "cannot_deactivate_self"
    message = "An administrator cannot deactivate their own account."
