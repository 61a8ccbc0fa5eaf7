"""Request id: accepted from `X-Request-ID` or generated, returned, bound to every log line.

Also the last line of defence: an exception nothing else handled becomes a 500 envelope
without internals, logged with the same request id — or, when the embedded database stayed
locked past its busy timeout (a burst of writers), a 503 `database_busy` the client may retry.
"""

from __future__ import annotations

import json
import re
import uuid
from contextvars import ContextVar

import structlog
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
BUSY_RETRY_AFTER_S = 2

log = structlog.get_logger("newvisions.request")


def current_request_id() -> str:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _incoming_request_id(scope) or new_request_id()
        token = _request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as exc:
            busy = _database_locked(exc)
            log.exception(
                "request.database_busy" if busy else "request.unhandled_error",
                path=scope.get("path"),
            )
            if response_started:
                raise
            if busy:
                await _send_error(
                    send_with_request_id,
                    request_id,
                    503,
                    "database_busy",
                    "The server is very busy right now. Please try again in a moment.",
                    retry_after=BUSY_RETRY_AFTER_S,
                )
            else:
                await _send_error(
                    send_with_request_id,
                    request_id,
                    500,
                    "internal_error",
                    "Something went wrong on our side. Please try again.",
                )
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            _request_id.reset(token)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1").strip()
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None


def _database_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked": its busy timeout ran out behind other writers."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


async def _send_error(
    send: Send,
    request_id: str,
    status: int,
    code: str,
    detail: str,
    *,
    retry_after: int | None = None,
) -> None:
    # Rendered by hand: the app below failed, so nothing of it can be trusted to render.
    body = json.dumps({"error": code, "detail": detail, "request_id": request_id}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
