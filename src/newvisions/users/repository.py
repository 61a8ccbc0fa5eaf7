"""All SQL about users."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.models import User, UserRole


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def by_login(self, login: str) -> User | None:
        """A user by username or email, both compared case-insensitively."""
        key = login.strip().lower()
        return (
            await self.session.execute(
                select(User).where(or_(User.username_key == key, User.email == key))
            )
        ).scalar_one_or_none()

    async def by_email(self, email: str) -> User | None:
        return (
            await self.session.execute(select(User).where(User.email == email.strip().lower()))
        ).scalar_one_or_none()

    async def username_exists(self, username: str) -> bool:
        found = await self.session.scalar(
            select(User.id).where(User.username_key == username.lower())
        )
        return found is not None

    async def email_exists(self, email: str) -> bool:
        found = await self.session.scalar(select(User.id).where(User.email == email.lower()))
        return found is not None

    async def add(self, user: User) -> None:
        self.session.add(user)
        await self.session.flush()

    async def delete(self, user: User) -> None:
        await self.session.delete(user)
        await self.session.flush()

    async def admin_exists(self) -> bool:
        found = await self.session.scalar(select(User.id).where(User.role == UserRole.admin))
        return found is not None

    async def page(
        self, *, offset: int, limit: int, search: str | None = None
    ) -> tuple[Sequence[User], int]:
        filters = []
        if search:
            key = search.strip().lower()
            filters.append(
                or_(
                    User.username_key.contains(key, autoescape=True),
                    User.email.contains(key, autoescape=True),
                )
            )
        total = await self.session.scalar(select(func.count()).select_from(User).where(*filters))
        rows = await self.session.scalars(
            select(User)
            .where(*filters)
            .order_by(User.created_at, User.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), int(total or 0)
