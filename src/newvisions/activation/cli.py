"""`newvisions codes ...`: generate, list and revoke activation codes."""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newvisions.activation import service
from newvisions.activation.exceptions import ActivationCodeNotFound
from newvisions.activation.repository import CodeStatus
from newvisions.activation.schemas import MAX_BATCH_SIZE
from newvisions.config.database import standalone_session
from newvisions.config.settings import get_settings
from newvisions.models import ActivationCode, utcnow

app = typer.Typer(help="Activation codes.", no_args_is_help=True)

# Below this a batch is created in one go and a progress bar would only flicker.
_PROGRESS_FROM = 1000
_LIST_PAGE = 1000


@app.command()
def generate(
    count: int = typer.Option(..., "--count", "-n", min=1, max=MAX_BATCH_SIZE * 10),
    batch: str | None = typer.Option(None, help="Batch name (e.g. a print run)."),
    expires_days: int | None = typer.Option(
        None, "--expires-days", min=1, help="Unused codes expire after this many days."
    ),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write code,batch,expires_at as CSV.")
    ] = None,
) -> None:
    """Create COUNT new single-use codes (printed, or written to --out)."""
    expires_in = timedelta(days=expires_days) if expires_days else None
    codes = asyncio.run(_generate(count, batch, expires_in))
    if out is None:
        for code in codes:
            typer.echo(code.code)
        return
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "batch", "expires_at"])
        for code in codes:
            expires = code.expires_at.isoformat() if code.expires_at else ""
            writer.writerow([code.code, code.batch or "", expires])
    typer.echo(f"{len(codes)} codes written to {out}", err=True)


async def _generate(
    count: int, batch: str | None, expires_in: timedelta | None
) -> list[ActivationCode]:
    async with standalone_session(get_settings()) as session:
        if count < _PROGRESS_FROM:
            return await service.generate_codes(session, count, batch=batch, expires_in=expires_in)
        columns = (
            TextColumn("generating codes"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("codes", total=count)
            return await service.generate_codes(
                session,
                count,
                batch=batch,
                expires_in=expires_in,
                progress=lambda done: progress.advance(task, done),
            )


@app.command("list")
def list_codes(
    unused: bool = typer.Option(False, "--unused", help="Only codes that can still register."),
    used: bool = typer.Option(False, "--used", help="Only codes that were used."),
    batch: str | None = typer.Option(None, "--batch", help="Only this batch."),
) -> None:
    """List codes: code, batch, status, when used."""
    if unused and used:
        raise typer.BadParameter("choose --unused or --used, not both")
    status = CodeStatus.unused if unused else CodeStatus.used if used else None
    total = asyncio.run(_list(status, batch))
    typer.echo(f"{total} codes", err=True)


async def _list(status: CodeStatus | None, batch: str | None) -> int:
    async with standalone_session(get_settings()) as session:
        offset = 0
        while True:
            rows, total = await service.list_codes(
                session, status=status, batch=batch, offset=offset, limit=_LIST_PAGE
            )
            for row in rows:
                used_at = row.used_at.isoformat(timespec="seconds") if row.used_at else "-"
                typer.echo(f"{row.code}\t{row.batch or '-'}\t{_status(row)}\t{used_at}")
            offset += len(rows)
            if not rows or offset >= total:
                return total


def _status(code: ActivationCode) -> str:
    if code.revoked_at is not None:
        return "revoked"
    if code.used_at is not None:
        return "used"
    if code.expires_at is not None and code.expires_at <= utcnow():
        return "expired"
    return "unused"


@app.command()
def revoke(code: str = typer.Argument(..., help="The code to withdraw.")) -> None:
    """Withdraw CODE: it can no longer register an account nor reset a password."""
    try:
        asyncio.run(_revoke(code))
    except ActivationCodeNotFound as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"{code} revoked")


async def _revoke(code: str) -> None:
    async with standalone_session(get_settings()) as session:
        await service.revoke(session, code)
