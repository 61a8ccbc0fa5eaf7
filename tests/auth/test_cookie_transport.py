"""The browser variant: the refresh token lives in an HttpOnly cookie, never in the body."""

from __future__ import annotations

from http.cookies import SimpleCookie

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.auth.cookies import REFRESH_COOKIE, REFRESH_COOKIE_PATH
from tests.factories import DEFAULT_PASSWORD, register_and_login

BROWSER = {"X-Token-Transport": "cookie"}


def _refresh_cookie(response: Response) -> tuple[str, dict[str, str]]:
    """The value and the lower-cased attributes of the refresh cookie this response sets."""
    headers = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    assert len(headers) == 1, headers
    raw = headers[0]
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(raw)
    morsel = parsed[REFRESH_COOKIE]
    flags = {part.strip().split("=")[0].lower() for part in raw.split(";")}
    attrs = {k: str(v) for k, v in morsel.items() if v}
    attrs.update({flag: "true" for flag in flags & {"secure", "httponly"}})
    return morsel.value, {k.lower(): v for k, v in attrs.items()}


async def _browser_login(client: AsyncClient, session: AsyncSession) -> tuple[str, str, str]:
    """(access token, refresh cookie value, username) of a fresh account logged in by cookie."""
    user = await register_and_login(client, session)
    response = await client.post(
        "/api/auth/login",
        json={"login": user.username, "password": DEFAULT_PASSWORD, "device_name": "phone"},
        headers=BROWSER,
    )
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    value, _ = _refresh_cookie(response)
    return response.json()["access_token"], value, user.username


async def test_login_sets_a_strict_httponly_secure_cookie_on_the_refresh_path(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    response = await client.post(
        "/api/auth/login",
        json={"login": user.username, "password": DEFAULT_PASSWORD},
        headers=BROWSER,
    )
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert body["access_token"] and body["session_id"]
    value, attrs = _refresh_cookie(response)
    assert len(value) >= 32
    assert attrs["path"] == REFRESH_COOKIE_PATH
    assert attrs["samesite"].lower() == "strict"
    assert attrs["secure"] == "true" and attrs["httponly"] == "true"
    assert int(attrs["max-age"]) > 29 * 24 * 3600


async def test_json_variant_is_unchanged_and_sets_no_cookie(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    response = await client.post(
        "/api/auth/login", json={"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["refresh_token"]
    assert "set-cookie" not in response.headers


async def test_refresh_reads_the_cookie_and_rotates_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    _, first, _ = await _browser_login(client, session)
    rotated = await client.post(
        "/api/auth/refresh", headers={**BROWSER, "Cookie": f"{REFRESH_COOKIE}={first}"}
    )
    assert rotated.status_code == 200, rotated.text
    assert "refresh_token" not in rotated.json()
    second, attrs = _refresh_cookie(rotated)
    assert second != first and attrs["path"] == REFRESH_COOKIE_PATH
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {rotated.json()['access_token']}"}
    )
    assert me.status_code == 200

    # The old cookie replayed (a stolen copy) ends the session and clears the cookie.
    replay = await client.post(
        "/api/auth/refresh", headers={**BROWSER, "Cookie": f"{REFRESH_COOKIE}={first}"}
    )
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_refresh_token"
    cleared, cleared_attrs = _refresh_cookie(replay)
    assert cleared == "" and cleared_attrs["max-age"] == "0"
    after = await client.post(
        "/api/auth/refresh", headers={**BROWSER, "Cookie": f"{REFRESH_COOKIE}={second}"}
    )
    assert after.status_code == 401


async def test_refresh_without_body_or_cookie_says_there_is_no_session(
    client: AsyncClient,
) -> None:
    for headers in (BROWSER, {}):
        response = await client.post("/api/auth/refresh", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "refresh_token_missing"


async def test_cookie_is_ignored_without_the_transport_header(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A cross-site form post carries no custom header, so it cannot use the cookie."""
    _, value, _ = await _browser_login(client, session)
    response = await client.post(
        "/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={value}"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "refresh_token_missing"
    still_valid = await client.post(
        "/api/auth/refresh", headers={**BROWSER, "Cookie": f"{REFRESH_COOKIE}={value}"}
    )
    assert still_valid.status_code == 200


async def test_body_token_wins_over_the_cookie(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    response = await client.post(
        "/api/auth/refresh",
        json={"refresh_token": user.refresh_token},
        headers={**BROWSER, "Cookie": f"{REFRESH_COOKIE}=not-a-token"},
    )
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    value, _ = _refresh_cookie(response)
    assert value != user.refresh_token


async def test_logout_clears_the_cookie_and_ends_the_session(
    client: AsyncClient, session: AsyncSession
) -> None:
    access, value, _ = await _browser_login(client, session)
    response = await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 204
    cleared, attrs = _refresh_cookie(response)
    assert cleared == "" and attrs["max-age"] == "0" and attrs["path"] == REFRESH_COOKIE_PATH
    refused = await client.post(
        "/api/auth/refresh", headers={**BROWSER, "Cookie": f"{REFRESH_COOKIE}={value}"}
    )
    assert refused.status_code == 401


async def test_account_deletion_clears_the_cookie(
    client: AsyncClient, session: AsyncSession
) -> None:
    access, _, _ = await _browser_login(client, session)
    response = await client.request(
        "DELETE",
        "/api/users/me",
        json={"password": DEFAULT_PASSWORD},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 204
    cleared, attrs = _refresh_cookie(response)
    assert cleared == "" and attrs["max-age"] == "0"
