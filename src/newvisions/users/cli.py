"""`newvisions users ...`: create an admin, issue a password-reset code; the first-run step."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

import typer
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from newvisions.activation import service as activation_service
from newvisions.config.database import standalone_session
from newvisions.config.settings import Settings, get_settings
from newvisions.users import service
from newvisions.users.exceptions import UserNotFound
from newvisions.users.repository import UserRepository
from newvisions.users.schemas import AdminCreate
from newvisions.utils.errors import AppError

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command("create-admin")
def create_admin(
    username: str = typer.Option(..., prompt=True, help="3–32 of [A-Za-z0-9_.-]."),
    email: str = typer.Option(..., prompt=True),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (scripts)."
    ),
) -> None:
    """Create an administrator account (the password is prompted for, or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        admin = AdminCreate(username=username, email=email, password=password)
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        typer.echo(f"not created: {problems}", err=True)
        raise typer.Exit(code=1) from exc
    try:
        asyncio.run(_create_admin(admin))
    except AppError as exc:
        typer.echo(f"not created: {exc.detail}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"admin {admin.username} created")


async def _create_admin(admin: AdminCreate) -> None:
    async with standalone_session(get_settings()) as session:
        await service.create_admin(session, admin.username, str(admin.email), admin.password)


@app.command("reset-code")
def reset_code(username: str = typer.Argument(..., help="Username or email.")) -> None:
    """Issue a one-time password-reset code for USERNAME (valid 24 hours, works once)."""
    try:
        code, expires_at = asyncio.run(_reset_code(username))
    except AppError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(code)
    typer.echo(
        f"valid until {expires_at.isoformat(timespec='minutes')}; the user enters it as "
        "activation_code in POST /api/auth/reset-password",
        err=True,
    )


async def _reset_code(login: str) -> tuple[str, datetime]:
    async with standalone_session(get_settings()) as session:
        user = await UserRepository(session).by_login(login)
        if user is None:
            raise UserNotFound()
        return await activation_service.issue_reset_code(session, user)


def first_run(settings: Settings) -> None:
    """Before the first start serves: an admin and a few codes, printed once."""
    try:
        created = asyncio.run(_first_run(settings))
    except (AppError, IntegrityError) as exc:
        # Another instance bootstrapped at the same moment, or the name is taken by a user.
        typer.echo(
            f"no first-run admin created ({type(exc).__name__}); "
            "create one with: newvisions users create-admin",
            err=True,
        )
        return
    if created is None:
        typer.echo(
            "An administrator exists. More activation codes: newvisions codes generate --count N; "
            "another admin: newvisions users create-admin."
        )
        return
    rule = "=" * 72
    lines = [
        rule,
        "First start: an administrator account was created. This is shown ONCE.",
        f"  username: {created.username}",
        f"  email:    {created.email}",
        f"  password: {created.password}",
        "Activation codes for the first accounts (register at POST /api/auth/register):",
        *(f"  {code}" for code in created.codes),
        "More codes later: newvisions codes generate --count N",
        rule,
    ]
    typer.echo("\n".join(lines))


async def _first_run(settings: Settings) -> service.FirstRun | None:
    async with standalone_session(settings) as session:
        return await service.bootstrap_first_run(
            session,
            username=settings.bootstrap_admin_username,
            email=settings.bootstrap_admin_email,
            code_count=settings.bootstrap_codes,
        )
