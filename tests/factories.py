"""Plain async factories for tests: codes, users, logged-in clients."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation import service as activation_service

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery"


async def create_code(session: AsyncSession, **kwargs: object) -> str:
    (code,) = await activation_service.generate_codes(session, 1, **kwargs)  # type: ignore[arg-type]
    await session.flush()
    return code.code


@dataclass
class LoggedIn:
    user_id: str
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    session_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register_and_login(
    client: AsyncClient,
    session: AsyncSession,
    *,
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    device_name: str = "test device",
) -> LoggedIn:
    n = next(_counter)
    username = username or f"performer{n}"
    email = f"{username}@example.com"
    code = await create_code(session)
    registered = await client.post(
        "/api/auth/register",
        json={"username": username, "email": email, "password": password, "activation_code": code},
    )
    assert registered.status_code == 201, registered.text
    logged_in = await client.post(
        "/api/auth/login",
        json={"login": username, "password": password, "device_name": device_name},
    )
    assert logged_in.status_code == 200, logged_in.text
    tokens = logged_in.json()
    return LoggedIn(
        user_id=registered.json()["id"],
        username=username,
        email=email,
        password=password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        session_id=tokens["session_id"],
    )
