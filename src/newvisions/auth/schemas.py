from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=254, description="Username or email.")
    password: str = Field(min_length=1, max_length=128)
    device_name: str | None = Field(default=None, max_length=100)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class AccessToken(BaseModel):
    """Login/refresh answer of the cookie variant: the refresh token travels in the cookie."""

    access_token: str
    token_type: str
    expires_at: datetime
    refresh_expires_at: datetime
    session_id: uuid.UUID


class TokenPair(AccessToken):
    refresh_token: str

    def without_refresh_token(self) -> AccessToken:
        return AccessToken.model_validate(self.model_dump(exclude={"refresh_token"}))


class Session(BaseModel):
    id: uuid.UUID
    device_name: str
    created_at: datetime
    last_used_at: datetime
    current: bool
