"""Helpers to call every operation of the OpenAPI schema with a valid example request.

Bodies and query parameters are generated from the schema itself, so a route added later is
exercised without anyone writing a request for it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{([^}]+)}", self.path)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(schema: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in schema["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found.append(Operation(method, path, item[method]))
    return found


class ExampleBuilder:
    """A valid instance of a JSON schema (as FastAPI writes them), for requests."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.components = schema.get("components", {}).get("schemas", {})

    def body(self, operation: Operation) -> Any:
        content = operation.spec.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.example(content["application/json"]["schema"])

    def query(self, operation: Operation) -> dict[str, Any]:
        return {
            p["name"]: self.example(p.get("schema", {}))
            for p in operation.spec.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }

    def example(self, schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            return self.example(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if s.get("type") != "null"]
                return self.example(options[0]) if options else None
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self.example(part) or {})
            return merged
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            return {name: self.example(props[name]) for name in schema.get("required", [])}
        if kind == "array":
            return [self.example(schema.get("items", {}))] * schema.get("minItems", 0)
        if kind == "integer":
            return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
        if kind == "number":
            return float(schema.get("minimum", 1))
        if kind == "boolean":
            return False
        return self._string(schema)

    @staticmethod
    def _string(schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "email":
            return "walker@example.com"
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return "2026-01-02"
        if fmt == "date-time":
            return "2026-01-02T03:04:05Z"
        low = int(schema.get("minLength", 1))
        high = int(schema.get("maxLength", 64))
        candidate = "walker_" + "x" * max(0, low - 7)
        candidate = candidate[: max(high, 1)]
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, candidate):
            for other in ("walker1", "Abc12345678", "a1", "2026-01-02"):
                if re.search(pattern, other):
                    return other
        return candidate
