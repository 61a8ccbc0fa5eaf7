"""The one error model: every failure a client can see is an AppError with a stable code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from newvisions.utils.request_context import current_request_id


class AppError(Exception):
    """Base of every error a service raises; the handler renders it as the JSON envelope."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    message: ClassVar[str] = "Something went wrong on our side. Please try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail = message or self.message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail)


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Nothing was found at this address."


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
    message = "The service is temporarily unavailable. Please try again shortly."


class ErrorBody(BaseModel):
    """The envelope of every error response (documented in the OpenAPI schema)."""

    error: str
    detail: str
    request_id: str


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class ValidationErrorBody(ErrorBody):
    fields: list[FieldError]


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with the error codes it may carry."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        by_status.setdefault(error.status_code, []).append(error.code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(sorted(codes))}
        for status, codes in sorted(by_status.items())
    }


def error_response(
    status_code: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "detail": detail, "request_id": current_request_id()}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("not_authenticated", "Please log in."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "Nothing was found at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "This content type is not accepted here."),
}


def _field_name(loc: tuple[int | str, ...]) -> str:
    """`("body", "settings", "voice_stability")` -> `settings.voice_stability`."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    if parts:
        return ".".join(parts)
    return str(loc[0]) if loc else ""


async def _app_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(
        exc.status_code, exc.code, exc.detail, headers=exc.headers, extra=exc.extra
    )


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    fields = [
        FieldError(
            field=_field_name(tuple(err.get("loc", ()))),
            message=str(err.get("msg", "invalid value")),
            type=str(err.get("type", "value_error")),
        ).model_dump()
        for err in errors
    ]
    return error_response(
        422,
        "validation_error",
        "Some fields are missing or not valid: "
        + ", ".join(sorted({f["field"] for f in fields if f["field"]})),
        extra={"fields": fields},
    )


async def _http_exception_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    known = _HTTP_CODES.get(exc.status_code)
    code, detail = known or ("http_error", str(exc.detail))
    return error_response(
        exc.status_code,
        code,
        detail,
        headers=getattr(exc, "headers", None),
    )


_SCHEMAS = "#/components/schemas/"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _SCHEMAS + model.__name__}


def _codes(description: str, *codes: str) -> str:
    """An "Error codes: a, b" description with `codes` added."""
    known = set(description.removeprefix("Error codes: ").split(", ")) if description else set()
    return "Error codes: " + ", ".join(sorted((known | set(codes)) - {""}))


def declare_request_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the schema say what the handlers above really send for a refused request.

    FastAPI documents its own 422 body (`HTTPValidationError`), which our handler replaces with
    `ValidationErrorBody`, and it never documents the 400 `malformed_json` a JSON body may get.
    Every operation may answer 422 (see utils/nul_guard.py).
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, ValidationErrorBody):
        model_schema = model.model_json_schema(ref_template=_SCHEMAS + "{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema
    error_json = {"application/json": {"schema": _ref(ErrorBody)}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            invalid = responses.get("422")
            declared = (invalid or {}).get("content", {}).get("application/json", {}).get("schema")
            if invalid is None or declared == {"$ref": _SCHEMAS + "HTTPValidationError"}:
                # Also where a route has no parameter: the NUL guard refuses any URL with one.
                body: dict[str, Any] = _ref(ValidationErrorBody)
                description = _codes("", "validation_error")
            else:  # the route's own 422 codes, and the validation error besides
                body = {"anyOf": [_ref(ValidationErrorBody), _ref(ErrorBody)]}
                description = _codes(invalid.get("description", ""), "validation_error")
            responses["422"] = {
                "description": description,
                "content": {"application/json": {"schema": body}},
            }
            # The request-context middleware's answer when SQLite stayed locked too long.
            busy = responses.get("503", {"content": error_json})
            busy["description"] = _codes(busy.get("description", ""), "database_busy")
            responses["503"] = busy
            body_types = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body_types:
                malformed = responses.get("400", {"content": error_json})
                described = malformed.get("description", "")
                malformed["description"] = _codes(described, "malformed_json")
                responses["400"] = malformed
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    text = json.dumps(schema)
    if f'"{_SCHEMAS}ValidationError"' in text or f'"{_SCHEMAS}HTTPValidationError"' in text:
        raise RuntimeError("a route still documents FastAPI's own validation error body")
    return schema


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_request_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
