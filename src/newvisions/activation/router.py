"""Admin management of activation codes (admin role only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from newvisions.activation import service
from newvisions.activation.exceptions import ActivationCodeNotFound
from newvisions.activation.repository import CodeStatus
from newvisions.activation.schemas import (
    ActivationCode,
    ActivationCodeBatch,
    ActivationCodeBatchCreate,
    ActivationCodePage,
)
from newvisions.auth.dependencies import AdminUser
from newvisions.auth.exceptions import AdminRequired, InvalidToken, NotAuthenticated
from newvisions.config.constants import API_PREFIX, MAX_PAGE_OFFSET
from newvisions.config.database import DbSession
from newvisions.users.exceptions import UserDeactivated
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/admin/activation-codes", tags=["admin"])

_ADMIN_ERRORS = (NotAuthenticated, InvalidToken, UserDeactivated, AdminRequired)


@router.post(
    "",
    response_model=ActivationCodeBatch,
    status_code=status.HTTP_201_CREATED,
    summary="Create a batch of activation codes",
    responses=error_responses(*_ADMIN_ERRORS),
)
async def create_batch(
    payload: ActivationCodeBatchCreate, _admin: AdminUser, session: DbSession
) -> ActivationCodeBatch:
    expires_in = timedelta(days=payload.expires_in_days) if payload.expires_in_days else None
    codes = await service.generate_codes(
        session, payload.count, batch=payload.batch, expires_in=expires_in
    )
    return ActivationCodeBatch(
        batch=payload.batch,
        expires_at=codes[0].expires_at if codes else None,
        codes=[c.code for c in codes],
    )


@router.get(
    "",
    response_model=ActivationCodePage,
    summary="List activation codes by status and batch",
    responses=error_responses(*_ADMIN_ERRORS),
)
async def list_codes(
    _admin: AdminUser,
    session: DbSession,
    status: CodeStatus | None = None,
    batch: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_PAGE_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ActivationCodePage:
    rows, total = await service.list_codes(
        session, status=status, batch=batch, offset=offset, limit=limit
    )
    return ActivationCodePage(
        items=[ActivationCode.model_validate(r) for r in rows],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.post(
    "/{code}/revoke",
    response_model=ActivationCode,
    summary="Withdraw a code (it can no longer register, nor reset a password)",
    responses=error_responses(*_ADMIN_ERRORS, ActivationCodeNotFound),
)
async def revoke_code(code: str, _admin: AdminUser, session: DbSession) -> ActivationCode:
    return ActivationCode.model_validate(await service.revoke(session, code))
