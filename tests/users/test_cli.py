"""`newvisions users create-admin | reset-code` and the first-run step of `serve`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from newvisions import cli
from newvisions.auth.password_utils import verify_password
from newvisions.config.database import standalone_session
from newvisions.config.settings import get_settings
from newvisions.models import ActivationCode, PasswordResetCode, User, UserRole

runner = CliRunner()


async def _user(username: str) -> User | None:
    async with standalone_session(get_settings()) as session:
        return await session.scalar(select(User).where(User.username == username))


def test_create_admin_from_stdin_and_prompt(cli_env: Path) -> None:
    assert runner.invoke(cli.app, ["migrate"]).exit_code == 0
    created = runner.invoke(
        cli.app,
        [
            "users",
            "create-admin",
            "--username",
            "boss",
            "--email",
            "Boss@Example.com",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    assert created.exit_code == 0, created.output
    admin = asyncio.run(_user("boss"))
    assert admin is not None and admin.role == UserRole.admin and admin.email == "boss@example.com"
    assert asyncio.run(verify_password("a long password", admin.password_hash))[0]

    prompted = runner.invoke(
        cli.app,
        ["users", "create-admin"],
        input="second\nsecond@example.com\nanother password\nanother password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert asyncio.run(_user("second")) is not None

    for args, stdin, reason in (
        (["--username", "boss", "--email", "x@example.com"], "a long password\n", "taken"),
        (["--username", "b c", "--email", "y@example.com"], "a long password\n", "username"),
        (["--username", "short", "--email", "z@example.com"], "short\n", "password"),
    ):
        result = runner.invoke(
            cli.app, ["users", "create-admin", *args, "--password-stdin"], input=stdin
        )
        assert result.exit_code == 1, result.output
        assert reason in result.output


def test_reset_code_for_a_user(cli_env: Path) -> None:
    assert runner.invoke(cli.app, ["migrate"]).exit_code == 0
    runner.invoke(
        cli.app,
        [
            "users",
            "create-admin",
            "--username",
            "boss",
            "--email",
            "b@example.com",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    issued = runner.invoke(cli.app, ["users", "reset-code", "boss"])
    assert issued.exit_code == 0, issued.output
    code = issued.stdout.strip()

    async def stored() -> list[PasswordResetCode]:
        async with standalone_session(get_settings()) as session:
            return list(await session.scalars(select(PasswordResetCode)))

    rows = asyncio.run(stored())
    assert len(rows) == 1 and rows[0].used_at is None and code not in rows[0].code_hash
    unknown = runner.invoke(cli.app, ["users", "reset-code", "nobody"])
    assert unknown.exit_code == 1 and "no such user" in unknown.output


def test_first_serve_creates_an_admin_once(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **kw: served.append(kw))

    first = runner.invoke(cli.app, ["serve"])
    assert first.exit_code == 0, first.output
    assert len(served) == 1
    lines = first.stdout.splitlines()
    password = next(line.split(":", 1)[1].strip() for line in lines if "password:" in line)
    start = lines.index(next(line for line in lines if line.startswith("Activation codes")))
    codes = [line.strip() for line in lines[start + 1 : start + 6]]

    admin = asyncio.run(_user("admin"))
    assert admin is not None and admin.role == UserRole.admin
    assert asyncio.run(verify_password(password, admin.password_hash))[0]

    async def unused_codes() -> set[str]:
        async with standalone_session(get_settings()) as session:
            rows = await session.scalars(
                select(ActivationCode.code).where(ActivationCode.used_at.is_(None))
            )
            return set(rows)

    assert asyncio.run(unused_codes()) == set(codes)

    second = runner.invoke(cli.app, ["serve"])
    assert second.exit_code == 0 and len(served) == 2
    assert "password" not in second.stdout
    assert "newvisions codes generate" in second.stdout
    assert asyncio.run(unused_codes()) == set(codes)  # no new codes either


def test_no_first_run_admin_when_one_exists(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **kw: None)
    assert runner.invoke(cli.app, ["migrate"]).exit_code == 0
    runner.invoke(
        cli.app,
        [
            "users",
            "create-admin",
            "--username",
            "boss",
            "--email",
            "b@example.com",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    served = runner.invoke(cli.app, ["serve"])
    assert served.exit_code == 0
    assert "An administrator exists" in served.stdout
    assert asyncio.run(_user("admin")) is None
