"""Accounts: does response time tell whether an account exists?

On a fresh SQLite database (throttling off), alternates requests for an existing account and
for an unknown one, and prints the median and 90th percentile in milliseconds:
- login with a wrong password vs. an unknown login;
- password reset with a wrong code for an existing email vs. an unknown email.
Also times 20 concurrent registrations racing for one activation code.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from alembic import command
from httpx import ASGITransport, AsyncClient, Response
from pydantic import SecretStr

from newvisions.activation import service as activation_service
from newvisions.app import create_app
from newvisions.cli import alembic_config
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Environment, Settings

ROUNDS = 40


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings)

    def upgrade(sync_connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
    await engine.dispose()


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return f"median {statistics.median(ordered):6.1f} ms  p90 {p90:6.1f} ms"


async def _timed(call: object) -> float:
    started = time.perf_counter()
    response: Response = await call  # type: ignore[misc]
    assert response.status_code in (400, 401), response.text
    return (time.perf_counter() - started) * 1000


async def main() -> None:
    data_dir = Path(tempfile.mkdtemp())
    settings = Settings(
        environment=Environment.test,
        data_dir=data_dir,
        jwt_secret=SecretStr("bench-secret-" + "x" * 40),
        rate_limits_enabled=False,
        log_level="WARNING",
        _env_file=None,  # type: ignore[call-arg]
    )
    await _migrate(settings)
    app = create_app(settings)
    async with create_sessionmaker(app.state.engine)() as session, session.begin():
        codes = [c.code for c in await activation_service.generate_codes(session, 2)]
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://bench") as client:
        await client.post(
            "/api/auth/register",
            json={
                "username": "known",
                "email": "known@example.com",
                "password": "the right password",
                "activation_code": codes[0],
            },
        )
        series: dict[str, list[float]] = {k: [] for k in ("lk", "lu", "rk", "ru")}
        for _ in range(ROUNDS):
            series["lk"].append(
                await _timed(
                    client.post(
                        "/api/auth/login", json={"login": "known", "password": "wrong password"}
                    )
                )
            )
            series["lu"].append(
                await _timed(
                    client.post(
                        "/api/auth/login", json={"login": "unknown", "password": "wrong password"}
                    )
                )
            )
            series["rk"].append(
                await _timed(
                    client.post(
                        "/api/auth/reset-password",
                        json={
                            "email": "known@example.com",
                            "activation_code": "abcdef12345",
                            "new_password": "a new password",
                        },
                    )
                )
            )
            series["ru"].append(
                await _timed(
                    client.post(
                        "/api/auth/reset-password",
                        json={
                            "email": "nobody@example.com",
                            "activation_code": "abcdef12345",
                            "new_password": "a new password",
                        },
                    )
                )
            )
        print(f"login, existing account, wrong password: {_summary(series['lk'])}")
        print(f"login, unknown account:                  {_summary(series['lu'])}")
        print(f"reset, existing email, wrong code:       {_summary(series['rk'])}")
        print(f"reset, unknown email:                    {_summary(series['ru'])}")

        async def register(n: int) -> int:
            response = await client.post(
                "/api/auth/register",
                json={
                    "username": f"racer{n}",
                    "email": f"racer{n}@example.com",
                    "password": "long enough",
                    "activation_code": codes[1],
                },
            )
            return response.status_code

        started = time.perf_counter()
        statuses = await asyncio.gather(*(register(n) for n in range(20)))
        elapsed = time.perf_counter() - started
        print(
            f"20 concurrent registrations, one code: {elapsed:.2f} s, "
            f"{statuses.count(201)} created, {statuses.count(409)} refused"
        )
    await app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
