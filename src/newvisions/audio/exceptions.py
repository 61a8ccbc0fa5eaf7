from __future__ import annotations

from newvisions.utils.errors import AppError


class AudioNotFound(AppError):
    status_code = 404
    code = "audio_not_found"
    message = "There is no audio at this address."


class AudioExpired(AppError):
    status_code = 410
    code = "audio_expired"
    message = "This memo has expired and was deleted. Perform again to make a new one."


class AudioLinkInvalid(AppError):
    status_code = 401
    code = "audio_link_invalid"
    message = "This audio link is not valid or has expired. Ask for a new link."


class AudioRenderFailed(AppError):
    status_code = 500
    code = "audio_render_failed"
    message = "The voice memo could not be rendered. Please try again."
