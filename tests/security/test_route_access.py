"""Every route of the OpenAPI schema, walked generically: routes added later are covered too.

1. Without a token, every route except the public ones answers 401.
2. With a second user's token, no route reads or changes the first user's data: routes with a
   path parameter are called with the first user's resource of that kind (see RESOURCES), and
   every response — including the /me routes, which must answer with the caller's own data —
   is searched for anything that belongs to the first user.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.models import ActivationCode, AuthSession, GeneratedAudio, User
from tests.factories import LoggedIn, create_code, fresh_token, register_and_login
from tests.security.openapi_walk import ExampleBuilder, Operation, operations

PUBLIC = {
    "POST /api/auth/register",
    "POST /api/auth/login",
    "POST /api/auth/refresh",
    "POST /api/auth/reset-password",
    "GET /api/health",
    "GET /api/ready",
}


@dataclass
class Owner:
    """The first user, whose data the second user tries to reach."""

    login: LoggedIn
    activation_code: str
    note_name: str


@dataclass(frozen=True)
class Resource:
    """How to get the owner's resource for a path parameter of this name."""

    of_owner: Callable[[Owner, AsyncSession], Awaitable[str]]
    owned: bool = True  # False: a shared resource (e.g. a catalogue entry) anyone may read


async def _session_id(owner: Owner, _session: AsyncSession) -> str:
    return owner.login.session_id


async def _user_id(owner: Owner, _session: AsyncSession) -> str:
    return owner.login.user_id


async def _activation_code(owner: Owner, _session: AsyncSession) -> str:
    return owner.activation_code


async def _audio_id(owner: Owner, session: AsyncSession) -> str:
    """A generated memo of the owner, titled with the owner's private memo name."""
    now = datetime.now(UTC)
    audio = GeneratedAudio(
        user_id=uuid.UUID(owner.login.user_id),
        path=f"{uuid.UUID(owner.login.user_id).hex}/{uuid.uuid4().hex}.m4a",
        mime="audio/mp4",
        duration_s=5.0,
        size_bytes=1,
        title=owner.note_name,
        memo_date=now.date(),
        expires_at=now + timedelta(hours=1),
    )
    session.add(audio)
    await session.flush()
    return str(audio.id)


# Modules that add a route with a new path parameter add its kind here; the walk fails for a
# parameter it does not know, so no route escapes it.
RESOURCES: dict[str, Resource] = {
    "session_id": Resource(_session_id),
    "user_id": Resource(_user_id),
    "code": Resource(_activation_code),
    "audio_id": Resource(_audio_id),
}


def _schema(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


async def _call(
    client: AsyncClient,
    builder: ExampleBuilder,
    operation: Operation,
    path_values: dict[str, str],
    headers: dict[str, str],
) -> Any:
    body = builder.body(operation)
    return await client.request(
        operation.method.upper(),
        operation.path.format(**path_values),
        params=builder.query(operation),
        content=None if body is None else json.dumps(body),
        headers={**headers, "Content-Type": "application/json"},
    )


async def test_every_non_public_route_requires_a_token(app: FastAPI, client: AsyncClient) -> None:
    schema = _schema(app)
    builder = ExampleBuilder(schema)
    walked = operations(schema)
    names = {str(op) for op in walked}
    assert names >= PUBLIC, f"public routes missing from the schema: {PUBLIC - names}"
    protected = [op for op in walked if str(op) not in PUBLIC]
    assert len(protected) >= 15  # the walk really covers the account routes

    for operation in protected:
        values = {name: str(uuid.uuid4()) for name in operation.path_params}
        for headers, code in (
            ({}, "not_authenticated"),
            ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
            ({"Authorization": "Basic dXNlcjpwYXNz"}, "not_authenticated"),
        ):
            response = await _call(client, builder, operation, values, headers)
            assert response.status_code == 401, f"{operation}: {response.status_code}"
            assert response.json()["error"] == code, f"{operation}: {response.text}"


async def _snapshot(client: AsyncClient, session: AsyncSession, owner: Owner) -> dict[str, Any]:
    """Everything of the owner that a foreign call could change."""
    user_id = uuid.UUID(owner.login.user_id)
    session.expire_all()
    user = await session.get(User, user_id)
    assert user is not None, "the owner's account was deleted"
    sessions = (
        await session.scalars(
            select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.id)
        )
    ).all()
    code = await session.scalar(
        select(ActivationCode).where(ActivationCode.code == owner.activation_code)
    )
    assert code is not None
    api = {}
    for path in ("/api/users/me", "/api/users/me/settings", "/api/auth/sessions"):
        response = await client.get(path, headers=owner.login.headers)
        assert response.status_code == 200, f"the owner lost access to {path}"
        body = response.json()
        if path == "/api/auth/sessions":
            body = sorted((s["id"], s["device_name"]) for s in body)  # drop last_used_at
        api[path] = body
    return {
        "row": (
            user.username,
            user.email,
            user.password_hash,
            user.role,
            user.is_active,
            user.monthly_char_limit,
            user.settings,
        ),
        "sessions": [(s.id, s.revoked_at, s.expires_at) for s in sessions],
        "code": (code.used_by_user_id, code.used_at, code.revoked_at),
        "api": api,
    }


async def test_a_second_user_can_neither_read_nor_change_the_first_users_data(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    schema = _schema(app)
    builder = ExampleBuilder(schema)
    secret = app.state.settings.jwt_secret_value

    code = await create_code(session)
    registered = await client.post(
        "/api/auth/register",
        json={
            "username": "owner_a",
            "email": "owner.a@example.com",
            "password": "owner a password",
            "activation_code": code,
        },
    )
    assert registered.status_code == 201
    login = await client.post(
        "/api/auth/login", json={"login": "owner_a", "password": "owner a password"}
    )
    tokens = login.json()
    owner = Owner(
        login=LoggedIn(
            user_id=registered.json()["id"],
            username="owner_a",
            email="owner.a@example.com",
            password="owner a password",
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            session_id=tokens["session_id"],
        ),
        activation_code=code,
        note_name="Owner A private memo",
    )
    patched = await client.patch(
        "/api/users/me/settings",
        json={"voice_note_name": owner.note_name, "voice_language": "de"},
        headers=owner.login.headers,
    )
    assert patched.status_code == 200
    other = await register_and_login(client, session, username="intruder_b")
    secrets_of_owner = [
        owner.login.user_id,
        owner.login.username,
        owner.login.email,
        owner.login.session_id,
        owner.activation_code,
        owner.note_name,
    ]

    before = await _snapshot(client, session, owner)
    walked = [op for op in operations(schema) if str(op) not in PUBLIC]
    me_reads = 0
    for operation in walked:
        values = {}
        for name in operation.path_params:
            assert name in RESOURCES, (
                f"{operation}: add a Resource for path parameter {name!r} to RESOURCES "
                "(how to create the first user's resource of that kind)"
            )
            values[name] = await RESOURCES[name].of_owner(owner, session)
        owned = all(RESOURCES[name].owned for name in operation.path_params)
        headers = await fresh_token(session, other, secret)

        response = await _call(client, builder, operation, values, headers)

        if operation.path_params and owned:
            assert response.status_code >= 400, (
                f"{operation} let another user act on the first user's resource: "
                f"{response.status_code} {response.text}"
            )
        for value in secrets_of_owner:
            assert value not in response.text, f"{operation} revealed {value!r} to another user"
        if operation.method == "get" and "/me" in operation.path:
            assert response.status_code == 200, f"{operation}: {response.text}"
            me_reads += 1
        after = await _snapshot(client, session, owner)
        assert after == before, f"{operation} changed the first user's data"

    assert me_reads >= 2  # /users/me and /users/me/settings at least
    # The walk did reach the owner-scoped routes with the owner's own resource ids.
    assert any(op.path_params for op in walked)
