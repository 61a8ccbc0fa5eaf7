"""Refuse the NUL character in text input, at the edge, on every route.

PostgreSQL cannot store U+0000 in text (SQLite can): a login, a search, a batch name or a
spectator's value carrying one would reach the database and fail there as a 500. No text a
performer types contains it, so it is refused before any route runs: in the path or the query
string with a 422 `validation_error` naming the parameter, in a JSON body (the `\\u0000` escape;
a raw NUL byte is already malformed JSON) with the same error naming `body`.
Binary uploads (multipart) are not inspected.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newvisions.utils.errors import AppError, error_response

MESSAGE = "must not contain the NUL character"
_ESCAPE = b"u0000"
_CARRY = 64  # bytes kept from the previous chunk, so an escape split across chunks is seen
# JSON bodies up to this size (every route's but a base64 recording's) are read here whole and
# refused before the route; larger ones are scanned as the route reads them.
_BUFFERED = 256 * 1024


class NulCharacterRefused(AppError):
    status_code = 422
    code = "validation_error"
    message = "Some fields are missing or not valid: body"

    def __init__(self, field: str) -> None:
        super().__init__(
            f"Some fields are missing or not valid: {field}",
            extra={"fields": [{"field": field, "message": MESSAGE, "type": "string_nul"}]},
        )


def _nul_escape_in(data: bytes, start: int) -> bool:
    """A JSON `\\u0000` escape in `data` beginning at or after `start` (an odd backslash run)."""
    at = data.find(_ESCAPE, start)
    while at != -1:
        run = 0
        while at - run - 1 >= 0 and data[at - run - 1] == 0x5C:  # backslash
            run += 1
        if run % 2 == 1:
            return True
        at = data.find(_ESCAPE, at + 1)
    return False


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = _nul_in_url(scope)
        if field is None and _is_json(scope):
            declared = _content_length(scope)
            if declared is not None and declared <= _BUFFERED:
                body, more = await _read_all(receive)
                if _nul_escape_in(body, 0):
                    field = "body"
                receive = _replay(body, more, receive)
            else:
                receive = _scanning(receive)
        if field is not None:
            refused = NulCharacterRefused(field)
            response = error_response(422, refused.code, refused.detail, extra=refused.extra)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _nul_in_url(scope: Scope) -> str | None:
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"")
    if b"%00" in query.lower() or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "query"
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return bool(value.split(b";")[0].strip().lower() == b"application/json")
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _read_all(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole body, and any message that is not part of it (a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replay(body: bytes, more: list[Message], receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *more]

    async def replay_receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay_receive


def _scanning(receive: Receive) -> Receive:
    """Raises the refusal while the route reads the body (the recording route handles it)."""
    carry = b""

    async def scanning_receive() -> Message:
        nonlocal carry
        message = await receive()
        if message["type"] == "http.request":
            data = carry + message.get("body", b"")
            if _nul_escape_in(data, 0):
                raise NulCharacterRefused("body")
            carry = data[-_CARRY:]
        return message

    return scanning_receive
