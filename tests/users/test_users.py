"""Profile, settings (current and legacy shape), account deletion and its hooks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.models import ActivationCode, AuthSession, RefreshToken, User
from newvisions.users import service as users_service
from newvisions.utils.errors import ServiceUnavailable
from tests.factories import DEFAULT_PASSWORD, create_code, register_and_login


async def test_profile_changes_need_the_current_password(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    other = await register_and_login(client, session)
    cases = [
        ({"username": "renamed", "current_password": "wrong one"}, 403, "wrong_password"),
        (
            {"username": other.username.upper(), "current_password": DEFAULT_PASSWORD},
            409,
            "username_taken",
        ),
        ({"email": other.email, "current_password": DEFAULT_PASSWORD}, 409, "email_taken"),
        ({"username": "renamed"}, 422, "validation_error"),
    ]
    for body, status, error in cases:
        response = await client.patch("/api/users/me", json=body, headers=user.headers)
        assert response.status_code == status, response.text
        assert response.json()["error"] == error
    ok = await client.patch(
        "/api/users/me",
        json={
            "username": "Renamed",
            "email": "New@Example.com",
            "current_password": DEFAULT_PASSWORD,
        },
        headers=user.headers,
    )
    assert ok.status_code == 200
    assert (ok.json()["username"], ok.json()["email"]) == ("Renamed", "new@example.com")
    login = await client.post(
        "/api/auth/login", json={"login": "renamed", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200


async def test_settings_defaults_put_patch_and_validation(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    got = await client.get("/api/users/me/settings", headers=user.headers)
    assert got.json() == {
        "voice_language": "en",
        "speaker_sex": "female",
        "voice_stability": 50,
        "voice_similarity": 75,
        "background_sound": False,
        "background_volume": 30,
        "voice_note_name": None,
        "voice_note_date": None,
    }
    put = await client.put(
        "/api/users/me/settings",
        json={"voice_language": "es", "speaker_sex": "male", "voice_note_date": "2019-02-28"},
        headers=user.headers,
    )
    assert put.status_code == 200 and put.json()["voice_stability"] == 50
    patched = await client.patch(
        "/api/users/me/settings", json={"background_volume": 80}, headers=user.headers
    )
    assert patched.json()["voice_language"] == "es" and patched.json()["background_volume"] == 80
    for bad in (
        {"voice_language": "xx"},
        {"speaker_sex": "other"},
        {"voice_stability": 101},
        {"voice_note_name": "n" * 51},
        {"voice_note_date": "2019-02-30"},
        {"unknown": 1},
    ):
        response = await client.patch("/api/users/me/settings", json=bad, headers=user.headers)
        assert response.status_code == 422, bad
        assert response.json()["error"] == "validation_error"


async def test_a_legacy_settings_document_is_read_and_normalised(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    legacy = {
        "language": "FR",
        "sex": "Male",
        "stability": 0.35,
        "voice_similarity": 0.9,
        "add_background_sound": True,
        "voice_note_name": "Mémo",
        "obsolete_key": "ignored",
    }
    await session.execute(
        update(User).where(User.id == uuid.UUID(user.user_id)).values(settings=legacy)
    )
    await session.commit()
    session.expire_all()
    got = await client.get("/api/users/me/settings", headers=user.headers)
    assert got.status_code == 200
    assert got.json() == {
        "voice_language": "fr",
        "speaker_sex": "male",
        "voice_stability": 35,
        "voice_similarity": 90,
        "background_sound": True,
        "background_volume": 30,
        "voice_note_name": "Mémo",
        "voice_note_date": None,
    }
    # Writing stores the current shape.
    await client.patch("/api/users/me/settings", json={"voice_stability": 40}, headers=user.headers)
    stored = await session.scalar(select(User.settings).where(User.id == uuid.UUID(user.user_id)))
    assert stored is not None and "language" not in stored and stored["voice_stability"] == 40


@pytest.fixture
def deletion_log() -> Iterator[list[str]]:
    seen: list[str] = []

    @users_service.on_account_deletion("test-recorder")
    async def record(_session: AsyncSession, user: User) -> None:
        seen.append(user.username)

    yield seen
    users_service.remove_account_deletion_hook("test-recorder")


async def test_deleting_an_account_removes_what_it_owns(
    client: AsyncClient, session: AsyncSession, deletion_log: list[str]
) -> None:
    code = await create_code(session)
    registered = await client.post(
        "/api/auth/register",
        json={
            "username": "leaver",
            "email": "leaver@example.com",
            "password": DEFAULT_PASSWORD,
            "activation_code": code,
        },
    )
    user_id = uuid.UUID(registered.json()["id"])
    tokens = (
        await client.post("/api/auth/login", json={"login": "leaver", "password": DEFAULT_PASSWORD})
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}

    wrong = await client.request(
        "DELETE", "/api/users/me", json={"password": "not it"}, headers=headers
    )
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_password"
    assert deletion_log == []

    deleted = await client.request(
        "DELETE", "/api/users/me", json={"password": DEFAULT_PASSWORD}, headers=headers
    )
    assert deleted.status_code == 204
    assert deletion_log == ["leaver"]
    session.expire_all()
    assert await session.get(User, user_id) is None
    sessions = await session.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id)
    )
    tokens_left = await session.scalar(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.session_id == uuid.UUID(tokens["session_id"]))
    )
    assert sessions == 0 and tokens_left == 0
    row = await session.scalar(select(ActivationCode).where(ActivationCode.code == code))
    assert row is not None
    assert row.used_at is not None and row.used_by_user_id is None  # anonymous "used" mark
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401
    reused = await client.post(
        "/api/auth/register",
        json={
            "username": "another",
            "email": "another@example.com",
            "password": DEFAULT_PASSWORD,
            "activation_code": code,
        },
    )
    assert reused.json()["error"] == "activation_code_used"


async def test_a_failing_deletion_hook_keeps_the_account(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)

    @users_service.on_account_deletion("test-failing")
    async def fail(_session: AsyncSession, _user: User) -> None:
        raise ServiceUnavailable("The recording store is not reachable.")

    try:
        response = await client.request(
            "DELETE", "/api/users/me", json={"password": DEFAULT_PASSWORD}, headers=user.headers
        )
    finally:
        users_service.remove_account_deletion_hook("test-failing")
    assert response.status_code == 503
    assert "test-failing" not in users_service.account_deletion_hooks()
    assert (await client.get("/api/users/me", headers=user.headers)).status_code == 200


async def test_a_deactivated_user_is_stopped_on_the_next_request(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    await session.execute(
        update(User).where(User.id == uuid.UUID(user.user_id)).values(is_active=False)
    )
    await session.commit()
    response = await client.get("/api/users/me", headers=user.headers)
    assert response.status_code == 403 and response.json()["error"] == "user_deactivated"
    login = await client.post(
        "/api/auth/login", json={"login": user.username, "password": user.password}
    )
    assert login.status_code == 403 and login.json()["error"] == "user_deactivated"
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refresh.json()["error"] == "invalid_refresh_token"


async def test_patching_a_setting_to_null_is_refused_not_a_server_error(
    client: AsyncClient, session: AsyncSession
) -> None:
    """null clears the memo's title and date; any other setting always has a value."""
    user = await register_and_login(client, session)
    for bad in (
        {"background_sound": None},
        {"voice_language": "fr", "speaker_sex": None},
        {"voice_stability": None},
    ):
        response = await client.patch("/api/users/me/settings", json=bad, headers=user.headers)
        assert response.status_code == 422, (bad, response.text)
        assert [f["field"] for f in response.json()["fields"]] == [
            next(k for k in bad if bad[k] is None)
        ]
    cleared = await client.patch(
        "/api/users/me/settings",
        json={"voice_note_name": None, "voice_note_date": None, "voice_language": "fr"},
        headers=user.headers,
    )
    assert cleared.status_code == 200 and cleared.json()["voice_language"] == "fr"
    assert cleared.json()["background_sound"] is False
