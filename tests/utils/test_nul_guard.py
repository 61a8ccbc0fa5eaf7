"""The NUL character is refused at the edge: PostgreSQL cannot store it, so it was a 500."""

from __future__ import annotations

import base64

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.utils.nul_guard import _nul_escape_in
from tests.factories import create_admin_and_login, register_and_login


def _refused(response_json: dict[str, object], field: str) -> bool:
    fields = response_json["fields"]
    assert isinstance(fields, list)
    return response_json["error"] == "validation_error" and fields[0]["field"] == field


async def test_nul_in_a_json_body_is_refused_on_every_route(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await create_admin_and_login(client, session)
    login = await client.post("/api/auth/login", json={"login": "a\u0000b", "password": "x" * 8})
    assert login.status_code == 422 and _refused(login.json(), "body")
    batch = await client.post(
        "/api/admin/activation-codes",
        json={"batch": "spring\u0000", "count": 1},
        headers=admin.headers,
    )
    assert batch.status_code == 422 and _refused(batch.json(), "body")
    me = await register_and_login(client, session)
    perform = await client.post(
        "/api/perform", json={"routine": "names", "value": "Lucy\u0000"}, headers=me.headers
    )
    assert perform.status_code == 422 and _refused(perform.json(), "body")
    # A recording sent as base64 JSON is scanned as it streams (the route reads it itself).
    upload = await client.post(
        "/api/voice/recording",
        json={"audio_base64": base64.b64encode(b"RIFF").decode(), "mime_type": "a\u0000"},
        headers=me.headers,
    )
    assert upload.status_code == 422 and _refused(upload.json(), "body")
    # Past the size read whole at the edge, the body is scanned as the route reads it.
    big = await client.post(
        "/api/voice/recording",
        json={"audio_base64": base64.b64encode(b"RIFF" * 100_000).decode(), "mime_type": "\u0000"},
        headers=me.headers,
    )
    assert big.status_code == 422 and _refused(big.json(), "body")


async def test_nul_in_the_query_or_path_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await create_admin_and_login(client, session)
    search = await client.get("/api/admin/users?search=%C2%98%00", headers=admin.headers)
    assert search.status_code == 422 and _refused(search.json(), "search")
    revoke = await client.post("/api/admin/activation-codes/AB%00CD/revoke", headers=admin.headers)
    assert revoke.status_code == 422 and _refused(revoke.json(), "path")
    fine = await client.get("/api/admin/users?search=magic", headers=admin.headers)
    assert fine.status_code == 200
    unknown = await client.get("/api/users/me?x=%00", headers=admin.headers)
    assert unknown.status_code == 422  # declared on every operation
    schema = (await client.get("/openapi.json")).json()
    assert "422" in schema["paths"]["/api/users/me"]["get"]["responses"]


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (rb'{"a": "x\u0000"}', True),
        (rb'{"a": "x\\u0000"}', False),  # an escaped backslash, then the text "u0000"
        (rb'{"a": "x\\\u0000"}', True),
        (rb'{"a": "u0000"}', False),
    ],
)
def test_only_a_real_escape_counts(raw: bytes, found: bool) -> None:
    assert _nul_escape_in(raw, 0) is found


async def test_binary_uploads_are_not_inspected(client: AsyncClient, session: AsyncSession) -> None:
    me = await register_and_login(client, session)
    response = await client.post(
        "/api/voice/recording",
        files={"file": ("v.wav", b"RIFF\x00\x00\x00\x00WAVE" + b"\\u0000" * 10, "audio/wav")},
        headers=me.headers,
    )
    assert response.json()["error"] == "recording_unreadable"
