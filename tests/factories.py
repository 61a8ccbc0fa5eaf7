"""Plain async factories for tests: codes, users, logged-in clients."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation import service as activation_service
from newvisions.auth import service as auth_service
from newvisions.users import service as users_service

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


async def sign_up(
    client: AsyncClient,
    code: str,
    *,
    username: str,
    password: str = DEFAULT_PASSWORD,
    device_name: str = "test device",
) -> LoggedIn:
    """Register with an activation code and log in, through the API."""
    email = f"{username}@example.com"
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


async def upload_recording(
    client: AsyncClient,
    headers: dict[str, str],
    audio: bytes,
    *,
    file_name: str = "voice.webm",
    mime_type: str = "audio/webm",
) -> None:
    uploaded = await client.post(
        "/api/voice/recording", files={"file": (file_name, audio, mime_type)}, headers=headers
    )
    assert uploaded.status_code in (200, 201), uploaded.text


async def register_and_login(
    client: AsyncClient,
    session: AsyncSession,
    *,
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    device_name: str = "test device",
) -> LoggedIn:
    n = next(_counter)
    code = await create_code(session)
    return await sign_up(
        client,
        code,
        username=username or f"performer{n}",
        password=password,
        device_name=device_name,
    )


async def create_admin_and_login(
    client: AsyncClient, session: AsyncSession, *, username: str | None = None
) -> LoggedIn:
    """An admin account (as `newvisions users create-admin` makes it), logged in."""
    n = next(_counter)
    username = username or f"admin{n}"
    email = f"{username}@example.com"
    admin = await users_service.create_admin(session, username, email, DEFAULT_PASSWORD)
    await session.flush()
    logged_in = await client.post(
        "/api/auth/login", json={"login": username, "password": DEFAULT_PASSWORD}
    )
    assert logged_in.status_code == 200, logged_in.text
    tokens = logged_in.json()
    return LoggedIn(
        user_id=str(admin.id),
        username=username,
        email=email,
        password=DEFAULT_PASSWORD,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        session_id=tokens["session_id"],
    )


async def fresh_token(session: AsyncSession, user: LoggedIn, secret: str) -> dict[str, str]:
    """Headers of a new session for `user`, opened without the login route (no throttling)."""
    _, tokens = await auth_service.login(
        session, login=user.username, password=user.password, device_name="extra", secret=secret
    )
    return {"Authorization": f"Bearer {tokens.access_token}"}
