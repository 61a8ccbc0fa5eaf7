"""The browser variant of the refresh token: an HttpOnly cookie instead of a JSON field.

A web page cannot keep a refresh token anywhere script-readable without exposing it to any
injected script, so browsers ask for the cookie variant with `X-Token-Transport: cookie`.
The header is also what makes the variant safe from cross-site requests: a page on another
site cannot add a custom header without a CORS preflight that this API never grants, and the
cookie is `SameSite=Strict` besides. Other clients keep the JSON body variant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http.cookies import SimpleCookie

from fastapi import Request, Response

from newvisions.config.constants import API_PREFIX

TOKEN_TRANSPORT_HEADER = "X-Token-Transport"  # noqa: S105 (a header name)
REFRESH_COOKIE = "nv_refresh"
# Only the refresh route ever receives the cookie; nothing else needs to see it.
REFRESH_COOKIE_PATH = f"{API_PREFIX}/auth/refresh"


def wants_cookie(request: Request) -> bool:
    return request.headers.get(TOKEN_TRANSPORT_HEADER, "").strip().lower() == "cookie"


def refresh_token_from_cookie(request: Request) -> str | None:
    return request.cookies.get(REFRESH_COOKIE) or None


def set_refresh_cookie(response: Response, token: str, expires_at: datetime) -> None:
    max_age = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=max_age,
        path=REFRESH_COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )


def clearing_header() -> dict[str, str]:
    """A Set-Cookie header that removes the cookie, for error responses."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[REFRESH_COOKIE] = ""
    morsel = cookie[REFRESH_COOKIE]
    morsel["path"] = REFRESH_COOKIE_PATH
    morsel["max-age"] = 0
    morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
    morsel["secure"] = True
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    return {"set-cookie": morsel.OutputString()}
