from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


class AudioLink(BaseModel):
    """A signed address for `<audio src>`; no Authorization header is needed until it
    expires."""

    url: str
    expires_at: datetime


class GeneratedAudioOut(BaseModel):
    """A rendered memo. `url` is relative to the API host and carries a signed token."""

    id: uuid.UUID
    url: str
    url_expires_at: datetime
    mime: str
    duration_s: float
    title: str
    date: date
    created_at: datetime
    expires_at: datetime
