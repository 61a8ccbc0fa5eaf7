from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from newvisions.voice_cloning.providers.base import BaseVoiceChoice


class VoiceRecordingUpload(BaseModel):
    """The JSON form of an upload, for clients that send base64."""

    audio_base64: str = Field(
        description="The recording file in base64; a `data:<type>;base64,` prefix is accepted."
    )
    mime_type: str | None = Field(
        default=None,
        max_length=100,
        description="What the client believes the file is; informative only, the format is "
        "detected from the bytes.",
    )


class RecordingQuality(BaseModel):
    level_dbfs: float = Field(description="RMS level of the parts that are not silent.")
    peak_dbfs: float
    silence_ratio: float = Field(description="Share of the recording that is silence (0–1).")
    speech_ratio: float = Field(description="Share of the non-silent audio that is speech (0–1).")
    clipping_ratio: float = Field(description="Share of samples at full scale (0–1).")


class AnalysisSummary(BaseModel):
    f0_median_hz: float
    voiced_ratio: float
    base_voices: dict[str, BaseVoiceChoice]


class RecordingAnalysis(BaseModel):
    status: Literal["pending", "ready", "failed"]
    started_at: datetime | None
    finished_at: datetime | None
    summary: AnalysisSummary | None
    error: str | None


class VoiceRecording(BaseModel):
    """What the performer may know about their stored recording: never the audio itself."""

    duration_s: float
    uploaded_at: datetime
    source_format: str = Field(description="Detected from the file: webm, ogg, mp4, mp3, aac, …")
    source_codec: str
    stored_format: Literal["flac"]
    stored_sample_rate: int
    quality: RecordingQuality
    analysis: RecordingAnalysis
