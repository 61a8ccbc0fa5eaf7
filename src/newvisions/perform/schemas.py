from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from newvisions.content.schemas import SpectatorChoice
from newvisions.users.schemas import UserSettingsUpdate


class PerformCreate(SpectatorChoice):
    settings_override: UserSettingsUpdate | None = Field(
        default=None, description="Settings for this perform only (not saved)."
    )


class PerformAudio(BaseModel):
    id: uuid.UUID
    url: str = Field(description="Relative URL with a short-lived signed token (`<audio src>`).")
    url_expires_at: datetime
    mime: str
    duration_s: float
    title: str
    date: date
    expires_at: datetime


class PerformUsage(BaseModel):
    used: int
    limit: int
    remaining: int


class PerformTimings(BaseModel):
    text: float
    clone: float
    speech: float
    render: float
    total: float


class PerformResult(BaseModel):
    perform_id: uuid.UUID
    text: str
    spoken_value: str
    routine: str
    language: str
    audio: PerformAudio
    usage: PerformUsage
    voice_source: str
    text_source: str
    timings_ms: PerformTimings
    replayed: bool = Field(description="True when this answers a retry with the same key.")
    audio_base64: str | None = Field(description="The memo itself, when asked with ?inline=1.")


class PerformSummary(BaseModel):
    """One memo of the performer's list."""

    perform_id: uuid.UUID
    text: str
    routine: str
    language: str
    created_at: datetime
    audio: PerformAudio | None = Field(description="Null once the memo has expired.")
