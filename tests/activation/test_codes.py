"""Activation codes: format, redemption errors, and the admin API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation.code_generator import generate_code
from newvisions.models import ActivationCode
from newvisions.utils.validators import is_activation_code
from tests.factories import create_admin_and_login, create_code, register_and_login


def test_generated_codes_have_the_required_format() -> None:
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(is_activation_code(c) for c in codes)
    for bad in ("abcdefghijk", "12345678901", "abc123", "abcdefghij1!", "abcdefgh12 "):
        assert not is_activation_code(bad)


async def _register(client: AsyncClient, code: str, name: str = "newcomer") -> dict[str, str]:
    response = await client.post(
        "/api/auth/register",
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": "long enough",
            "activation_code": code,
        },
    )
    return {"status": str(response.status_code), **response.json()}


async def test_each_refused_code_has_its_own_error(
    client: AsyncClient, session: AsyncSession
) -> None:
    expired = await create_code(session, expires_in=timedelta(days=1))
    revoked = await create_code(session)
    await session.execute(
        update(ActivationCode)
        .where(ActivationCode.code == expired)
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await session.execute(
        update(ActivationCode)
        .where(ActivationCode.code == revoked)
        .values(revoked_at=datetime.now(UTC))
    )
    await session.commit()
    cases = {
        "abcdefghijk": ("400", "activation_code_invalid"),  # wrong format
        "abcdefgh123": ("400", "activation_code_invalid"),  # right format, not issued
        expired: ("410", "activation_code_expired"),
        revoked: ("410", "activation_code_revoked"),
    }
    for code, (status, error) in cases.items():
        result = await _register(client, code)
        assert (result["status"], result["error"]) == (status, error), code


async def test_registration_errors(client: AsyncClient, session: AsyncSession) -> None:
    first = await register_and_login(client, session, username="Taken")
    code = await create_code(session)
    await session.commit()  # refused requests roll back only their own work
    for body, status, error in (
        ({"username": "TAKEN", "email": "x@example.com"}, 409, "username_taken"),
        ({"username": "fresh", "email": first.email.upper()}, 409, "email_taken"),
        ({"username": "no spaces", "email": "y@example.com"}, 422, "validation_error"),
        ({"username": "fresh", "email": "not-an-email"}, 422, "validation_error"),
    ):
        response = await client.post(
            "/api/auth/register",
            json={**body, "password": "long enough", "activation_code": code},
        )
        assert response.status_code == status, response.text
        assert response.json()["error"] == error
    short = await client.post(
        "/api/auth/register",
        json={"username": "fresh", "email": "z@x.io", "password": "short", "activation_code": code},
    )
    assert short.status_code == 422
    # A refused registration did not use the code.
    assert (await _register(client, code, "fresh"))["status"] == "201"


async def test_a_used_code_records_when_and_by_whom(
    client: AsyncClient, session: AsyncSession
) -> None:
    code = await create_code(session)
    registered = await _register(client, code)
    row = await session.scalar(select(ActivationCode).where(ActivationCode.code == code))
    assert row is not None and row.used_at is not None
    assert str(row.used_by_user_id) == registered["id"]
    assert row.used_at <= datetime.now(UTC)


async def test_admin_creates_lists_and_revokes_codes(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await create_admin_and_login(client, session)
    created = await client.post(
        "/api/admin/activation-codes",
        json={"count": 7, "batch": "spring-tour", "expires_in_days": 30},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["batch"] == "spring-tour" and len(set(body["codes"])) == 7
    assert all(is_activation_code(c) for c in body["codes"])
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)

    used = body["codes"][0]
    assert (await _register(client, used, "tourist"))["status"] == "201"
    revoked = await client.post(
        f"/api/admin/activation-codes/{body['codes'][1]}/revoke", headers=admin.headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None

    async def listed(**params: object) -> dict[str, object]:
        response = await client.get(
            "/api/admin/activation-codes",
            params={"batch": "spring-tour", **params},
            headers=admin.headers,
        )
        assert response.status_code == 200, response.text
        result: dict[str, object] = response.json()
        return result

    assert (await listed())["total"] == 7
    assert (await listed(status="unused"))["total"] == 5
    used_page = await listed(status="used")
    assert used_page["total"] == 1
    assert used_page["items"][0]["code"] == used  # type: ignore[index]
    assert (await listed(status="revoked"))["total"] == 1
    assert (await listed(status="expired"))["total"] == 0
    pages = [await listed(offset=offset, limit=3) for offset in (0, 3, 6)]
    seen = [item["code"] for page in pages for item in page["items"]]  # type: ignore[attr-defined]
    assert sorted(seen) == sorted(body["codes"])

    bad = await client.get(
        "/api/admin/activation-codes", params={"status": "lost"}, headers=admin.headers
    )
    assert bad.status_code == 422
    missing = await client.post(
        "/api/admin/activation-codes/abcdefgh123/revoke", headers=admin.headers
    )
    assert missing.status_code == 404 and missing.json()["error"] == "activation_code_not_found"
    too_many = await client.post(
        "/api/admin/activation-codes", json={"count": 10_001}, headers=admin.headers
    )
    assert too_many.status_code == 422


async def test_expired_codes_are_listed_as_expired(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await create_admin_and_login(client, session)
    code = await create_code(session, batch="old", expires_in=timedelta(days=1))
    await session.execute(
        update(ActivationCode)
        .where(ActivationCode.code == code)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    response = await client.get(
        "/api/admin/activation-codes",
        params={"batch": "old", "status": "expired"},
        headers=admin.headers,
    )
    assert [item["code"] for item in response.json()["items"]] == [code]


async def test_code_administration_is_for_admins_only(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    for method, path in (
        ("POST", "/api/admin/activation-codes"),
        ("GET", "/api/admin/activation-codes"),
        ("POST", "/api/admin/activation-codes/abcdefgh123/revoke"),
    ):
        response = await client.request(method, path, json={"count": 1}, headers=user.headers)
        assert response.status_code == 403, path
        assert response.json()["error"] == "admin_required"
