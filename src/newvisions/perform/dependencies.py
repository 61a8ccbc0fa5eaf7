from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from newvisions.perform.service import Performer


def get_performer(request: Request) -> Performer:
    performer: Performer = request.app.state.performer
    return performer


PerformerDep = Annotated[Performer, Depends(get_performer)]
