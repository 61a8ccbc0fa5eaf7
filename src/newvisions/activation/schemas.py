from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH_SIZE = 10_000


class ActivationCodeBatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=MAX_BATCH_SIZE, description="How many codes to create.")
    batch: str | None = Field(default=None, min_length=1, max_length=64)
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Days until unused codes expire (none: never)."
    )


class ActivationCodeBatch(BaseModel):
    batch: str | None
    expires_at: datetime | None
    codes: list[str]


class ActivationCode(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    batch: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    used_at: datetime | None
    used_by_user_id: uuid.UUID | None


class ActivationCodePage(BaseModel):
    items: list[ActivationCode]
    total: int
    offset: int
    limit: int


class PasswordReset(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    activation_code: str = Field(
        min_length=1,
        max_length=64,
        description="The activation code the account registered with, or an admin reset code.",
    )
    new_password: str = Field(min_length=8, max_length=128)
