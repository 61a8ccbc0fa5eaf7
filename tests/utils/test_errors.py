"""The error envelope: every failure a client sees has a code, a sentence and a request id."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from newvisions.utils.errors import AppError


class _Payload(BaseModel):
    name: str
    count: int


class _Teapot(AppError):
    status_code = 418
    code = "teapot"
    message = "This server is a teapot."


@pytest.fixture
def app_with_probes(app: FastAPI) -> FastAPI:
    @app.post("/api/_probe/echo")
    async def echo(payload: _Payload) -> _Payload:
        return payload

    @app.get("/api/_probe/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2 at db.internal:5432")

    @app.get("/api/_probe/locked")
    async def locked() -> None:
        raise OperationalError("UPDATE …", {}, sqlite3.OperationalError("database is locked"))

    @app.get("/api/_probe/teapot")
    async def teapot() -> None:
        raise _Teapot(headers={"Retry-After": "7"})

    return app


@pytest.fixture(autouse=True)
def _probes(app_with_probes: FastAPI) -> None:
    """Routes that exist only in this module's tests."""


def _assert_envelope(body: dict[str, object], code: str) -> None:
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["request_id"], str) and body["request_id"] != "-"


async def test_malformed_json_is_400_with_envelope(client: AsyncClient) -> None:
    response = await client.post(
        "/api/_probe/echo", content=b'{"name": "x", ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    _assert_envelope(response.json(), "malformed_json")
    assert response.headers["x-request-id"] == response.json()["request_id"]


async def test_invalid_fields_are_422_with_field_details(client: AsyncClient) -> None:
    response = await client.post("/api/_probe/echo", json={"name": "x", "count": "many"})
    assert response.status_code == 422
    body = response.json()
    _assert_envelope(body, "validation_error")
    assert [f["field"] for f in body["fields"]] == ["count"]
    assert "count" in body["detail"]


async def test_unknown_route_is_404_with_envelope(client: AsyncClient) -> None:
    response = await client.get("/api/does-not-exist")
    assert response.status_code == 404
    _assert_envelope(response.json(), "not_found")


async def test_wrong_method_is_405_with_envelope(client: AsyncClient) -> None:
    response = await client.delete("/api/health")
    assert response.status_code == 405
    _assert_envelope(response.json(), "method_not_allowed")


async def test_app_error_renders_its_code_status_and_headers(client: AsyncClient) -> None:
    response = await client.get("/api/_probe/teapot")
    assert response.status_code == 418
    _assert_envelope(response.json(), "teapot")
    assert response.json()["detail"] == "This server is a teapot."
    assert response.headers["retry-after"] == "7"


async def test_internal_error_hides_internals_and_logs_the_request_id(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.get("/api/_probe/boom", headers={"X-Request-ID": "req-boom-1"})

    assert response.status_code == 500
    body = response.json()
    _assert_envelope(body, "internal_error")
    assert body["request_id"] == "req-boom-1"
    assert response.headers["x-request-id"] == "req-boom-1"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text

    failures = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == ("request.unhandled_error")
    ]
    assert failures, "the failure must be logged"
    assert failures[0]["request_id"] == "req-boom-1"


async def test_a_database_locked_too_long_is_a_503_to_retry_not_a_500(
    client: AsyncClient,
) -> None:
    response = await client.get("/api/_probe/locked")
    assert response.status_code == 503
    _assert_envelope(response.json(), "database_busy")
    assert response.headers["retry-after"] == "2"
    assert "UPDATE" not in response.text


async def test_every_log_line_of_a_request_carries_its_id(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.get("/api/does-not-exist")
    request_id = response.json()["request_id"]
    lines = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    access = [line for line in lines if line.get("event") == "http.request"]
    assert access and access[-1]["request_id"] == request_id
    assert access[-1]["status"] == 404


async def test_request_id_is_generated_when_absent_or_unsafe(client: AsyncClient) -> None:
    generated = await client.get("/api/health")
    assert len(generated.headers["x-request-id"]) == 32
    unsafe = await client.get("/api/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"


def _declared(schema: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response: dict[str, Any] = schema["paths"][path][method]["responses"][status]
    return response


def _conforms(schema: dict[str, Any], declared: dict[str, Any], body: object) -> bool:
    body_schema = declared["content"]["application/json"]["schema"]
    validator = jsonschema_rs.validator_for({**body_schema, "components": schema["components"]})
    return bool(validator.is_valid(body))


async def test_the_schema_declares_the_refusals_the_handlers_send(client: AsyncClient) -> None:
    """A 422 is documented with our envelope (not FastAPI's own body) and a JSON body's 400."""
    schema = (await client.get("/openapi.json")).json()
    invalid = await client.post("/api/_probe/echo", json={"name": "x", "count": "many"})
    malformed = await client.post(
        "/api/_probe/echo", content=b"{", headers={"content-type": "application/json"}
    )
    declared_422 = _declared(schema, "/api/_probe/echo", "post", "422")
    declared_400 = _declared(schema, "/api/_probe/echo", "post", "400")
    assert _conforms(schema, declared_422, invalid.json())
    assert not _conforms(schema, declared_422, {"detail": [{"loc": ["body"], "msg": "x"}]})
    assert _conforms(schema, declared_400, malformed.json())
    assert "validation_error" in declared_422["description"]
    assert "malformed_json" in declared_400["description"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    # A route's own 422 codes stay declared next to the validation error.
    upload_422 = _declared(schema, "/api/voice/recording", "post", "422")
    assert "recording_too_short" in upload_422["description"]
    assert "validation_error" in upload_422["description"]
    # A route without a JSON body has no 400 to declare.
    assert "400" not in schema["paths"]["/api/users/me"]["get"]["responses"]
