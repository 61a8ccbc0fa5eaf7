"""`newvisions perform`: the whole pipeline from a terminal, the quickest way to hear it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from newvisions.config.settings import get_settings
from newvisions.perform.schemas import PerformCreate, PerformResult
from newvisions.utils.errors import AppError

_STAGES = {
    "text": "writing the note",
    "clone": "preparing the voice",
    "speech": "speaking",
    "render": "rendering the memo",
}


def perform(
    user: Annotated[str, typer.Option("--user", help="Username or email of the performer.")],
    routine: Annotated[str, typer.Option(help="cards, numbers, star-signs, names, years, …")],
    value: Annotated[str, typer.Option(help='What the spectator chose, e.g. "Q of Clubs".')],
    out: Annotated[Path, typer.Option(help="Where to write the memo.")] = Path("memo.m4a"),
) -> None:
    """Run one perform for USER and write the memo to OUT."""
    console = Console(stderr=True)
    try:
        result, source = asyncio.run(_perform(user, routine, value, console))
    except AppError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.detail}")
        raise typer.Exit(code=1) from exc
    shutil.copyfile(source, out)
    typer.echo(result.text)
    console.print(
        f"{out} — {result.audio.duration_s:.1f} s, voice: {result.voice_source}, "
        f"text: {result.text_source}, {result.timings_ms.total:.0f} ms"
    )


async def _perform(
    login: str, routine: str, value: str, console: Console
) -> tuple[PerformResult, Path]:
    from newvisions.app import create_app  # the app is only needed by this command
    from newvisions.audio.service import storage_for
    from newvisions.perform.service import Performer
    from newvisions.users.exceptions import UserNotFound
    from newvisions.users.repository import UserRepository
    from newvisions.utils.request_context import new_request_id

    settings = get_settings()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        performer: Performer = app.state.performer
        async with app.state.sessionmaker() as session:
            user = await UserRepository(session).by_login(login)
        if user is None:
            raise UserNotFound()
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("starting", total=None)

            def on_stage(stage: str) -> None:
                progress.update(task, description=_STAGES.get(stage, stage))

            result = await performer.perform(
                user,
                PerformCreate(routine=routine, value=value),
                request_id=new_request_id(),
                idempotency_key=None,
                on_stage=on_stage,
            )
        async with app.state.sessionmaker() as session:
            from newvisions.perform.repository import PerformRepository

            audio = await PerformRepository(session).audio(user.id, result.audio.id)
        assert audio is not None
        return result, storage_for(settings).resolve(audio.path)
