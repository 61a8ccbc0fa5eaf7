"""The admin API for users: list, view, usage, monthly limit, (de)activation, reset codes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.models import User
from newvisions.users import service as users_service
from tests.factories import create_admin_and_login, register_and_login


async def test_list_and_search_users(client: AsyncClient, session: AsyncSession) -> None:
    admin = await create_admin_and_login(client, session)
    for name in ("magic_ann", "magic_bob", "other_cy"):
        await register_and_login(client, session, username=name)
    page = await client.get(
        "/api/admin/users", params={"search": "MAGIC_", "limit": 1}, headers=admin.headers
    )
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 2 and len(body["items"]) == 1
    assert body["items"][0]["username"] == "magic_ann"
    assert set(body["items"][0]) == {
        "id",
        "username",
        "email",
        "role",
        "is_active",
        "monthly_char_limit",
        "created_at",
    }
    second = await client.get(
        "/api/admin/users", params={"search": "magic_", "offset": 1}, headers=admin.headers
    )
    assert [u["username"] for u in second.json()["items"]] == ["magic_bob"]
    # "%" and "_" in a search are literal characters, not wildcards.
    wildcard = await client.get("/api/admin/users", params={"search": "%"}, headers=admin.headers)
    assert wildcard.json()["total"] == 0


async def test_monthly_limit_and_usage(client: AsyncClient, session: AsyncSession) -> None:
    admin = await create_admin_and_login(client, session)
    user = await register_and_login(client, session)
    limit = await client.put(
        f"/api/admin/users/{user.user_id}/monthly-limit",
        json={"monthly_char_limit": 8000},
        headers=admin.headers,
    )
    assert limit.status_code == 200 and limit.json()["monthly_char_limit"] == 8000
    usage = await client.get(f"/api/admin/users/{user.user_id}/usage", headers=admin.headers)
    assert usage.status_code == 200
    body = usage.json()
    assert body["user_id"] == user.user_id
    assert body["monthly_char_limit"] == 8000
    assert body["active_sessions"] == 1 and body["last_seen_at"] is not None
    # One section per usage-tracking module (the monthly quota's: "characters").
    assert body["sections"]["characters"]["used"] == 0
    negative = await client.put(
        f"/api/admin/users/{user.user_id}/monthly-limit",
        json={"monthly_char_limit": -1},
        headers=admin.headers,
    )
    assert negative.status_code == 422
    back_to_default = await client.put(
        f"/api/admin/users/{user.user_id}/monthly-limit",
        json={"monthly_char_limit": None},
        headers=admin.headers,
    )
    assert back_to_default.json()["monthly_char_limit"] is None


@pytest.fixture
def quota_section() -> Iterator[None]:
    @users_service.usage_section("test_quota")
    async def section(_session: AsyncSession, user: User) -> dict[str, Any]:
        return {"used": 120, "limit": user.monthly_char_limit}

    yield
    users_service.remove_usage_section("test_quota")


async def test_modules_add_their_usage_section(
    client: AsyncClient, session: AsyncSession, quota_section: None
) -> None:
    admin = await create_admin_and_login(client, session)
    user = await register_and_login(client, session)
    usage = await client.get(f"/api/admin/users/{user.user_id}/usage", headers=admin.headers)
    assert usage.json()["sections"]["test_quota"] == {"used": 120, "limit": None}


async def test_deactivate_and_reactivate(client: AsyncClient, session: AsyncSession) -> None:
    admin = await create_admin_and_login(client, session)
    user = await register_and_login(client, session)
    off = await client.post(f"/api/admin/users/{user.user_id}/deactivate", headers=admin.headers)
    assert off.status_code == 200 and off.json()["is_active"] is False
    me = await client.get("/api/users/me", headers=user.headers)
    assert me.status_code == 401  # its sessions ended with the deactivation
    login = await client.post(
        "/api/auth/login", json={"login": user.username, "password": user.password}
    )
    assert login.json()["error"] == "user_deactivated"
    on = await client.post(f"/api/admin/users/{user.user_id}/activate", headers=admin.headers)
    assert on.json()["is_active"] is True
    login = await client.post(
        "/api/auth/login", json={"login": user.username, "password": user.password}
    )
    assert login.status_code == 200
    itself = await client.post(
        f"/api/admin/users/{admin.user_id}/deactivate", headers=admin.headers
    )
    assert itself.status_code == 409 and itself.json()["error"] == "cannot_deactivate_self"


async def test_admin_issues_a_reset_code(client: AsyncClient, session: AsyncSession) -> None:
    admin = await create_admin_and_login(client, session)
    user = await register_and_login(client, session)
    issued = await client.post(f"/api/admin/users/{user.user_id}/reset-code", headers=admin.headers)
    assert issued.status_code == 201
    code = issued.json()["code"]
    reset = await client.post(
        "/api/auth/reset-password",
        json={"email": user.email, "activation_code": code, "new_password": "reset by admin"},
    )
    assert reset.status_code == 204


async def test_unknown_users_and_non_admins(client: AsyncClient, session: AsyncSession) -> None:
    admin = await create_admin_and_login(client, session)
    user = await register_and_login(client, session)
    missing = uuid.uuid4()
    for method, path, body in (
        ("GET", f"/api/admin/users/{missing}", None),
        ("GET", f"/api/admin/users/{missing}/usage", None),
        ("PUT", f"/api/admin/users/{missing}/monthly-limit", {"monthly_char_limit": 1}),
        ("POST", f"/api/admin/users/{missing}/deactivate", None),
        ("POST", f"/api/admin/users/{missing}/activate", None),
        ("POST", f"/api/admin/users/{missing}/reset-code", None),
    ):
        response = await client.request(method, path, json=body, headers=admin.headers)
        assert response.status_code == 404, path
        assert response.json()["error"] == "user_not_found"
        forbidden = await client.request(method, path, json=body, headers=user.headers)
        assert forbidden.status_code == 403 and forbidden.json()["error"] == "admin_required"
    view = await client.get(f"/api/admin/users/{user.user_id}", headers=admin.headers)
    assert view.json()["username"] == user.username and view.json()["role"] == "user"


@pytest.mark.parametrize("path", ["/api/admin/users", "/api/admin/activation-codes"])
async def test_an_offset_beyond_any_page_is_refused_not_a_server_error(
    client: AsyncClient, session: AsyncSession, path: str
) -> None:
    """The databases cannot hold a 100-bit integer: such an offset is invalid, not a crash."""
    admin = await create_admin_and_login(client, session)
    huge = await client.get(path, params={"offset": 2**100}, headers=admin.headers)
    assert huge.status_code == 422 and huge.json()["fields"][0]["field"] == "offset"
    last = await client.get(path, params={"offset": 2**31 - 1}, headers=admin.headers)
    assert last.status_code == 200 and last.json()["items"] == []
