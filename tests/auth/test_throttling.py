"""Throttling of login (per account and per address), registration and password reset."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from newvisions.config.settings import Settings
from newvisions.limits.rate_limiter import RateLimiter
from tests.conftest import build_app
from tests.factories import DEFAULT_PASSWORD, register_and_login

ClientFactory = Callable[..., Any]


@pytest.fixture
def throttled(
    settings: Settings, engine: AsyncEngine, session: AsyncSession, rate_limiter: RateLimiter
) -> ClientFactory:
    """`async with throttled(address, **limits) as client`: an app with the given limits."""

    @asynccontextmanager
    async def open_client(address: str = "192.0.2.10", **limits: Any) -> AsyncIterator[AsyncClient]:
        defaults = {
            name: Settings.model_fields[name].default
            for name in (
                "login_limit_per_account",
                "login_limit_per_address",
                "register_limit_per_address",
                "reset_limit_per_address",
                "reset_limit_per_account",
            )
        }
        app = build_app(
            settings.model_copy(update={**defaults, **limits}), engine, session, rate_limiter
        )
        transport = ASGITransport(app=app, client=(address, 50000), raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client

    return open_client


def _assert_throttled(response: Response, longest: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "too_many_attempts"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= longest
    assert response.json()["retry_after"] == retry_after


async def _login(client: AsyncClient, login: str, password: str = "wrong password") -> Response:  # noqa: S107
    return await client.post("/api/auth/login", json={"login": login, "password": password})


async def test_failed_logins_per_account_wait_then_even_the_right_password_waits(
    throttled: ClientFactory, client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)  # its login is the first attempt
    async with throttled() as attacker:
        for _ in range(2):
            assert (await _login(attacker, user.username)).status_code == 401
        for _ in range(2):  # the email reaches the same account budget
            assert (await _login(attacker, user.email)).status_code == 401
        _assert_throttled(await _login(attacker, user.username), 60)
    # From another address the account is still throttled, even with the right password.
    async with throttled(address="198.51.100.7") as owner:
        _assert_throttled(await _login(owner, user.username, DEFAULT_PASSWORD), 60)


async def test_unknown_logins_are_throttled_the_same_way(throttled: ClientFactory) -> None:
    async with throttled() as attacker:
        for _ in range(5):
            response = await _login(attacker, "nobody-at-all")
            assert response.json()["error"] == "invalid_credentials"
        _assert_throttled(await _login(attacker, "nobody-at-all"), 60)


async def test_login_attempts_per_address_across_accounts(throttled: ClientFactory) -> None:
    async with throttled(login_limit_per_address="3/minute;10/hour") as attacker:
        for n in range(3):
            assert (await _login(attacker, f"someone{n}")).status_code == 401
        _assert_throttled(await _login(attacker, "someone-else"), 60)
    async with throttled(address="198.51.100.8", login_limit_per_address="3/minute") as other:
        assert (await _login(other, "someone-else")).status_code == 401


async def test_hourly_tier_gives_a_longer_wait(throttled: ClientFactory) -> None:
    async with throttled(login_limit_per_account="100/minute;3/hour") as attacker:
        for _ in range(3):
            await _login(attacker, "target")
        response = await _login(attacker, "target")
        _assert_throttled(response, 3600)
        assert int(response.headers["Retry-After"]) > 3000


async def test_registration_per_address(throttled: ClientFactory) -> None:
    body = {
        "username": "hopeful",
        "email": "hopeful@example.com",
        "password": "long enough",
        "activation_code": "abcdef12345",
    }
    async with throttled(register_limit_per_address="2/minute") as client:
        for _ in range(2):
            response = await client.post("/api/auth/register", json=body)
            assert response.json()["error"] == "activation_code_invalid"
        _assert_throttled(await client.post("/api/auth/register", json=body), 60)


async def test_password_reset_per_address_and_per_email(throttled: ClientFactory) -> None:
    def body(email: str) -> dict[str, str]:
        return {"email": email, "activation_code": "abcdef12345", "new_password": "new password"}

    async with throttled(reset_limit_per_address="3/minute") as client:
        for n in range(3):
            response = await client.post("/api/auth/reset-password", json=body(f"{n}@example.com"))
            assert response.json()["error"] == "password_reset_refused"
        _assert_throttled(await client.post("/api/auth/reset-password", json=body("x@x.io")), 60)
    async with throttled(reset_limit_per_account="2/hour") as client:
        for _ in range(2):
            await client.post("/api/auth/reset-password", json=body("Target@Example.com"))
        _assert_throttled(
            await client.post("/api/auth/reset-password", json=body("target@example.com")), 3600
        )


async def test_throttling_can_be_switched_off(throttled: ClientFactory) -> None:
    async with throttled(rate_limits_enabled=False, login_limit_per_account="1/hour") as client:
        for _ in range(3):
            assert (await _login(client, "nobody")).status_code == 401


@pytest.mark.parametrize("spec", ["101/hour", "10/minute", "5/minute;200/hour", "lots"])
def test_settings_refuse_more_than_100_login_attempts_per_hour(spec: str) -> None:
    with pytest.raises(ValidationError):
        Settings(login_limit_per_account=spec, _env_file=None)  # type: ignore[call-arg]


def test_settings_accept_tiers_within_the_bound() -> None:
    settings = Settings(
        login_limit_per_account="10/minute;100/hour",
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.login_limit_per_account == "10/minute;100/hour"
