"""Password reset with the account's own activation code or a one-time admin reset code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation import service as activation_service
from newvisions.models import ActivationCode, PasswordResetCode, User
from tests.factories import create_code, register_and_login

NEW_PASSWORD = "a new password"


async def _register(client: AsyncClient, session: AsyncSession, name: str) -> tuple[str, str]:
    code = await create_code(session)
    response = await client.post(
        "/api/auth/register",
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": "old password",
            "activation_code": code,
        },
    )
    assert response.status_code == 201
    return f"{name}@example.com", code


async def _reset(client: AsyncClient, email: str, code: str) -> Response:
    return await client.post(
        "/api/auth/reset-password",
        json={"email": email, "activation_code": code, "new_password": NEW_PASSWORD},
    )


async def _can_log_in(client: AsyncClient, login: str, password: str) -> bool:
    response = await client.post("/api/auth/login", json={"login": login, "password": password})
    return response.status_code == 200


def _refused(response: Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "password_reset_refused"


async def test_reset_with_the_registration_code_ends_every_session(
    client: AsyncClient, session: AsyncSession
) -> None:
    email, code = await _register(client, session, "resetter")
    tokens = (
        await client.post("/api/auth/login", json={"login": email, "password": "old password"})
    ).json()
    response = await _reset(client, email.upper(), code)
    assert response.status_code == 204
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 401
    assert not await _can_log_in(client, email, "old password")
    assert await _can_log_in(client, email, NEW_PASSWORD)
    # The registration code keeps working for later resets (it is the account's key).
    assert (await _reset(client, email, code)).status_code == 204


async def test_no_other_code_resets_an_account(client: AsyncClient, session: AsyncSession) -> None:
    email, _ = await _register(client, session, "victim")
    _, other_code = await _register(client, session, "neighbour")
    spare = await create_code(session)  # unused: the original product's hole
    await session.commit()  # a refused request rolls back only what it did itself
    for code in (other_code, spare, "abcdef12345", "not even a code"):
        _refused(await _reset(client, email, code))
    assert await _can_log_in(client, email, "old password")


async def test_unknown_email_gets_the_same_answer(
    client: AsyncClient, session: AsyncSession
) -> None:
    email, _ = await _register(client, session, "known")
    spare = await create_code(session)
    await session.commit()
    known = await _reset(client, email, spare)
    unknown = await _reset(client, "nobody@example.com", spare)
    _refused(known)
    _refused(unknown)
    assert known.json()["detail"] == unknown.json()["detail"]
    assert set(known.headers) == set(unknown.headers)


async def test_unknown_and_known_emails_do_the_same_work(
    client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same number of password hashes and SQL statements: the timing cannot tell them apart."""
    email, _ = await _register(client, session, "timed")
    hashes: list[str] = []
    real_hash = activation_service.hash_password

    async def counting_hash(password: str) -> str:
        hashes.append(password)
        return await real_hash(password)

    monkeypatch.setattr(activation_service, "hash_password", counting_hash)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]).split()[0])

    sync_engine = session.bind.engine.sync_engine  # type: ignore[union-attr]
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        _refused(await _reset(client, email, "abcdef12345"))
        known = (len(hashes), list(statements))
        hashes.clear()
        statements.clear()
        _refused(await _reset(client, "nobody@example.com", "abcdef12345"))
        unknown = (len(hashes), list(statements))
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert known == unknown
    assert known[0] == 1


async def test_a_revoked_registration_code_no_longer_resets(
    client: AsyncClient, session: AsyncSession
) -> None:
    email, code = await _register(client, session, "revokee")
    await activation_service.revoke(session, code)
    await session.commit()
    _refused(await _reset(client, email, code))


async def test_a_deactivated_account_cannot_reset(
    client: AsyncClient, session: AsyncSession
) -> None:
    email, code = await _register(client, session, "sleeper")
    await session.execute(update(User).where(User.email == email).values(is_active=False))
    await session.commit()
    _refused(await _reset(client, email, code))


async def test_admin_reset_code_works_once_and_expires(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    account = await session.get(User, uuid.UUID(user.user_id))
    assert account is not None
    reset_code, expires_at = await activation_service.issue_reset_code(session, account)
    await session.commit()
    assert timedelta(hours=23) < expires_at - datetime.now(UTC) <= timedelta(hours=24)
    stored = await session.scalar(
        select(PasswordResetCode.code_hash).where(PasswordResetCode.user_id == account.id)
    )
    assert stored is not None and reset_code not in stored  # only a hash is kept

    assert (await _reset(client, user.email, reset_code)).status_code == 204
    _refused(await _reset(client, user.email, reset_code))  # single use

    # A newer code replaces an unused older one; an expired one is refused.
    account = await session.get(User, uuid.UUID(user.user_id))  # reloaded after the rollback
    assert account is not None
    first, _ = await activation_service.issue_reset_code(session, account)
    second, _ = await activation_service.issue_reset_code(session, account)
    await session.commit()
    _refused(await _reset(client, user.email, first))
    await session.execute(
        update(PasswordResetCode)
        .where(PasswordResetCode.user_id == uuid.UUID(user.user_id))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    _refused(await _reset(client, user.email, second))


async def test_a_reset_code_is_bound_to_its_account(
    client: AsyncClient, session: AsyncSession
) -> None:
    alice = await register_and_login(client, session)
    bob = await register_and_login(client, session)
    account = await session.get(User, uuid.UUID(alice.user_id))
    assert account is not None
    code, _ = await activation_service.issue_reset_code(session, account)
    await session.commit()
    _refused(await _reset(client, bob.email, code))
    assert (await _reset(client, alice.email, code)).status_code == 204


async def test_reset_payload_is_validated(client: AsyncClient) -> None:
    response = await client.post(
        "/api/auth/reset-password",
        json={"email": "a@example.com", "activation_code": "abcdef12345", "new_password": "short"},
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "new_password"


async def test_the_code_row_is_unchanged_by_a_reset(
    client: AsyncClient, session: AsyncSession
) -> None:
    email, code = await _register(client, session, "keeper")
    row = await session.scalar(select(ActivationCode).where(ActivationCode.code == code))
    assert row is not None
    used_at = row.used_at
    assert (await _reset(client, email, code)).status_code == 204
    await session.refresh(row)
    assert row.used_at == used_at and row.used_by_user_id is not None
