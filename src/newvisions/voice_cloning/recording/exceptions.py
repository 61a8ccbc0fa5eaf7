"""Every way an upload can be refused, each with its own code and a sentence for the performer."""

from __future__ import annotations

from newvisions.utils.errors import AppError


class RecordingTooLarge(AppError):
    status_code = 413
    code = "recording_too_large"
    message = "This file is too large for a voice recording. Record 30 to 60 seconds and try again."


class RecordingContentTypeUnsupported(AppError):
    status_code = 415
    code = "recording_content_type_unsupported"
    message = (
        "Send the recording as a multipart upload (field 'file') or as JSON with 'audio_base64'."
    )


class RecordingFileMissing(AppError):
    status_code = 422
    code = "recording_file_missing"
    message = "No recording was attached. Choose your recording and upload it again."


class RecordingBase64Invalid(AppError):
    status_code = 422
    code = "recording_base64_invalid"
    message = "The recording data is not valid base64. Upload the file again."


class RecordingFormatUnsupported(AppError):
    status_code = 415
    code = "recording_format_unsupported"
    message = (
        "This file is not an audio recording we can read. "
        "Upload webm, ogg, m4a/mp4, mp3, wav or flac audio."
    )


class RecordingUnreadable(AppError):
    status_code = 422
    code = "recording_unreadable"
    message = "This recording is damaged or incomplete and cannot be played. Please record again."


class RecordingDecodeTimeout(AppError):
    status_code = 422
    code = "recording_decode_timeout"
    message = "This recording took too long to read. Please record again in your phone's app."


class RecordingTooShort(AppError):
    status_code = 422
    code = "recording_too_short"
    message = "Your recording is too short. Record at least 30 seconds of your voice."


class RecordingTooLong(AppError):
    status_code = 422
    code = "recording_too_long"
    message = "Your recording is too long. Keep it under 60 seconds."


class RecordingMostlySilent(AppError):
    status_code = 422
    code = "recording_mostly_silent"
    message = (
        "Most of your recording is silence. Speak for the whole recording, without long pauses."
    )


class RecordingTooQuiet(AppError):
    status_code = 422
    code = "recording_too_quiet"
    message = "Your recording is too quiet. Hold the phone closer and speak at a normal volume."


class RecordingClipped(AppError):
    status_code = 422
    code = "recording_clipped"
    message = (
        "Your recording is distorted because it is too loud. "
        "Hold the phone a little further away and record again."
    )


class RecordingNoSpeech(AppError):
    status_code = 422
    code = "recording_no_speech"
    message = (
        "We could not hear a voice in your recording. "
        "Record yourself speaking, without music or loud background noise."
    )


class VoiceRecordingNotFound(AppError):
    status_code = 404
    code = "voice_recording_not_found"
    message = "You have no voice recording yet. Record 30 to 60 seconds of your voice first."


class RecordingUploadConflict(AppError):
    status_code = 409
    code = "recording_upload_conflict"
    message = "Another upload of your recording is in progress. Wait a moment and try again."
