"""Typed auth dependencies: `CurrentUser`, `CurrentAuth`, `AdminUser`, `AuthThrottle`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newvisions.auth import service
from newvisions.auth.exceptions import AdminRequired, InvalidToken, NotAuthenticated
from newvisions.auth.throttling import Throttle
from newvisions.config.database import DbSession
from newvisions.models import User
from newvisions.users.exceptions import UserDeactivated

# What a route behind CurrentUser may answer before it runs (for each route's `responses=`).
AUTH_ERRORS = (NotAuthenticated, InvalidToken, UserDeactivated)

_bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login.")


async def current_authentication(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> service.Authenticated:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated()
    secret: str = request.app.state.settings.jwt_secret_value
    return await service.authenticate(
        session,
        credentials.credentials,
        secret,
        sessionmaker=request.app.state.sessionmaker,
        cache=getattr(request.app.state, "auth_cache", None),
    )


CurrentAuth = Annotated[service.Authenticated, Depends(current_authentication)]


async def current_user(auth: CurrentAuth) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(current_user)]


async def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise AdminRequired()
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def auth_throttle(request: Request) -> Throttle:
    """The app's rate limiter (app.state.rate_limiter) bound to this client's address."""
    return Throttle(
        limiter=request.app.state.rate_limiter,
        limits=request.app.state.auth_limits,
        client_address=request.client.host if request.client else "unknown",
    )


AuthThrottle = Annotated[Throttle, Depends(auth_throttle)]
