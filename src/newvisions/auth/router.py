from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status

from newvisions.activation import service as activation_service
from newvisions.activation.exceptions import (
    ActivationCodeExpired,
    ActivationCodeInvalid,
    ActivationCodeRevoked,
    ActivationCodeUsed,
    PasswordResetRefused,
)
from newvisions.activation.schemas import PasswordReset
from newvisions.auth import cookies, service
from newvisions.auth.dependencies import AUTH_ERRORS, AuthThrottle, CurrentAuth
from newvisions.auth.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenMissing,
    SessionNotFound,
    TooManyAttempts,
)
from newvisions.auth.schemas import AccessToken, LoginRequest, RefreshRequest, Session, TokenPair
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.users import service as users_service
from newvisions.users.exceptions import EmailTaken, UserDeactivated, UsernameTaken
from newvisions.users.schemas import User, UserRegister
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])


def _secret(request: Request) -> str:
    return str(request.app.state.settings.jwt_secret_value)


_COOKIE_VARIANT = (
    f" With `{cookies.TOKEN_TRANSPORT_HEADER}: cookie` (browsers), the refresh token is set as "
    f"an HttpOnly, Secure, SameSite=Strict cookie on `{cookies.REFRESH_COOKIE_PATH}` and left "
    "out of the body."
)


def _deliver(tokens: TokenPair, request: Request, response: Response) -> TokenPair | AccessToken:
    if not cookies.wants_cookie(request):
        return tokens
    cookies.set_refresh_cookie(response, tokens.refresh_token, tokens.refresh_expires_at)
    return tokens.without_refresh_token()


@router.post(
    "/register",
    response_model=User,
    status_code=status.HTTP_201_CREATED,
    summary="Create an account with a single-use activation code",
    responses=error_responses(
        ActivationCodeInvalid,
        ActivationCodeUsed,
        ActivationCodeExpired,
        ActivationCodeRevoked,
        UsernameTaken,
        EmailTaken,
        TooManyAttempts,
    ),
)
async def register(payload: UserRegister, session: DbSession, throttle: AuthThrottle) -> User:
    await throttle.enforce_address(throttle.limits.register_address)
    user = await users_service.register(session, payload)
    return User.model_validate(user)


@router.post(
    "/login",
    response_model=TokenPair | AccessToken,
    summary="Log in with username or email; opens a session for this device",
    description="Returns an access token and a refresh token." + _COOKIE_VARIANT,
    responses=error_responses(InvalidCredentials, UserDeactivated, TooManyAttempts),
)
async def login(
    payload: LoginRequest,
    request: Request,
    response: Response,
    session: DbSession,
    throttle: AuthThrottle,
) -> TokenPair | AccessToken:
    _, tokens = await service.login(
        session,
        login=payload.login,
        password=payload.password,
        device_name=payload.device_name,
        secret=_secret(request),
        max_sessions=request.app.state.settings.max_sessions_per_user,
        throttle=throttle,
    )
    return _deliver(tokens, request, response)


@router.post(
    "/reset-password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with the registration code or an admin reset code",
    responses=error_responses(PasswordResetRefused, TooManyAttempts),
)
async def reset_password(
    payload: PasswordReset, session: DbSession, throttle: AuthThrottle
) -> None:
    await throttle.enforce_address(throttle.limits.reset_address)
    await throttle.enforce(throttle.limits.reset_account, payload.email.strip().lower())
    await activation_service.reset_password(
        session, payload.email, payload.activation_code, payload.new_password
    )


@router.post(
    "/refresh",
    response_model=TokenPair | AccessToken,
    summary="Rotate the refresh token (a reused old one ends the session)",
    description=(
        "Takes the refresh token from the body, or, in the cookie variant without a body, "
        "from the cookie." + _COOKIE_VARIANT
    ),
    responses=error_responses(InvalidRefreshToken, RefreshTokenMissing),
)
async def refresh(
    request: Request,
    response: Response,
    session: DbSession,
    payload: Annotated[RefreshRequest | None, Body()] = None,
) -> TokenPair | AccessToken:
    use_cookie = cookies.wants_cookie(request)
    if payload is not None:
        token: str | None = payload.refresh_token
    else:
        token = cookies.refresh_token_from_cookie(request) if use_cookie else None
    if token is None:
        raise RefreshTokenMissing()
    try:
        tokens = await service.refresh(session, token, _secret(request))
    except InvalidRefreshToken as exc:
        if use_cookie:  # a dead token must not stay behind in the browser
            raise InvalidRefreshToken(headers=cookies.clearing_header()) from exc
        raise
    return _deliver(tokens, request, response)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this session (and remove the refresh cookie, if any)",
    responses=error_responses(*AUTH_ERRORS),
)
async def logout(auth: CurrentAuth, session: DbSession, response: Response) -> None:
    await service.logout(session, auth)
    cookies.clear_refresh_cookie(response)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End every session of this account",
    responses=error_responses(*AUTH_ERRORS),
)
async def logout_all(auth: CurrentAuth, session: DbSession, response: Response) -> None:
    await service.logout_all(session, auth.user)
    cookies.clear_refresh_cookie(response)


@router.get(
    "/sessions",
    response_model=list[Session],
    summary="Devices logged in to this account",
    responses=error_responses(*AUTH_ERRORS),
)
async def sessions(auth: CurrentAuth, session: DbSession) -> list[Session]:
    return [
        Session(
            id=s.id,
            device_name=s.device_name,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            current=s.id == auth.session.id,
        )
        for s in await service.list_sessions(session, auth.user)
    ]


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log a device out",
    responses=error_responses(*AUTH_ERRORS, SessionNotFound),
)
async def revoke_session(session_id: uuid.UUID, auth: CurrentAuth, session: DbSession) -> None:
    await service.revoke_session(session, auth.user, session_id)
