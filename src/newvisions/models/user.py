from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, TimestampMixin, utcnow


class UserRole(StrEnum):
    user = "user"
    admin = "admin"


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased copies carry the uniqueness, so "Alice" and "alice" cannot both exist.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(String(16), default=UserRole.user)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The stored settings document; read through users.settings_codec, which also accepts
    # the original product's legacy shape.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    monthly_char_limit: Mapped[int | None] = mapped_column(default=None)
    # Mirrors the provider voice of a live ephemeral clone; null the rest of the time.
    voice_clone_id: Mapped[str | None] = mapped_column(String(128), default=None)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.admin
