from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema

from newvisions.models import UserRole
from newvisions.utils.validators import SUPPORTED_LANGUAGES, USERNAME_PATTERN

Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Language = Literal["en", "es", "fr", "de", "it", "pt"]
assert set(SUPPORTED_LANGUAGES) == set(Language.__args__)  # type: ignore[attr-defined]


class SpeakerSex(StrEnum):
    male = "male"
    female = "female"


class UserSettings(BaseModel):
    """A performer's settings. Stored as a document; `settings_codec` reads old shapes too."""

    model_config = ConfigDict(extra="forbid")

    voice_language: Language = "en"
    speaker_sex: SpeakerSex = SpeakerSex.female
    voice_stability: int = Field(default=50, ge=0, le=100)
    voice_similarity: int = Field(default=75, ge=0, le=100)
    background_sound: bool = False
    background_volume: int = Field(default=30, ge=0, le=100)
    voice_note_name: str | None = Field(default=None, max_length=50)
    voice_note_date: date | None = None

    @field_validator("voice_note_name")
    @classmethod
    def _blank_name_is_none(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if any(ord(ch) < 32 for ch in value):
            raise ValueError("the memo title cannot contain control characters")
        return value or None


class UserSettingsUpdate(BaseModel):
    """PATCH body: only the fields sent are changed; null clears the memo's title or date and
    is refused for the other fields, which always have a value."""

    model_config = ConfigDict(extra="forbid")

    voice_language: Language | SkipJsonSchema[None] = None
    speaker_sex: SpeakerSex | SkipJsonSchema[None] = None
    voice_stability: int | SkipJsonSchema[None] = Field(default=None, ge=0, le=100)
    voice_similarity: int | SkipJsonSchema[None] = Field(default=None, ge=0, le=100)
    background_sound: bool | SkipJsonSchema[None] = None
    background_volume: int | SkipJsonSchema[None] = Field(default=None, ge=0, le=100)
    voice_note_name: str | None = Field(default=None, max_length=50)
    voice_note_date: date | None = None

    @field_validator(
        "voice_language",
        "speaker_sex",
        "voice_stability",
        "voice_similarity",
        "background_sound",
        "background_volume",
        mode="before",
    )
    @classmethod
    def _never_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("this setting cannot be null; leave it out to keep it")
        return value


class UserRegister(BaseModel):
    username: Username
    email: EmailStr
    password: Password
    activation_code: str = Field(min_length=1, max_length=64)


class User(BaseModel):
    """A user as the API shows it: no password, no internals."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    email: str
    role: UserRole
    created_at: datetime


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username | None = None
    email: EmailStr | None = None
    current_password: str = Field(min_length=1, max_length=128)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: Password


class AccountDelete(BaseModel):
    password: str = Field(min_length=1, max_length=128)


class AdminUserView(BaseModel):
    """A user as an administrator sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    email: str
    role: UserRole
    is_active: bool
    monthly_char_limit: int | None
    created_at: datetime


class AdminUserPage(BaseModel):
    items: list[AdminUserView]
    total: int
    offset: int
    limit: int


class MonthlyLimitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monthly_char_limit: int | None = Field(
        ge=0, le=100_000_000, description="Characters per month; null means the default quota."
    )


class UserUsage(BaseModel):
    user_id: uuid.UUID
    monthly_char_limit: int | None
    active_sessions: int
    last_seen_at: datetime | None
    sections: dict[str, dict[str, Any]] = Field(
        description="One entry per module that tracks usage (e.g. the monthly quota)."
    )


class PasswordResetCode(BaseModel):
    user_id: uuid.UUID
    code: str = Field(description="Shown once; give it to the user for /api/auth/reset-password.")
    expires_at: datetime


class AdminCreate(BaseModel):
    """What `newvisions users create-admin` accepts (the same rules as registration)."""

    username: Username
    email: EmailStr
    password: Password
