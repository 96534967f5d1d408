"""The API's operations as its OpenAPI document declares them: path, method, query
parameters and the scopes each needs. Read from the document (``app.openapi()``, built
once) so that what integrators read there is exactly what is enforced."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI


@dataclass(frozen=True, slots=True)
class Operation:
    pattern: re.Pattern[str]
    method: str
    query_names: frozenset[str]
    scopes: tuple[str, ...]


def operations(app: FastAPI) -> list[Operation]:
    cached = getattr(app.state, "api_operations", None)
    if cached is None:
        cached = []
        for path, item in app.openapi().get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in item.items():
                names = frozenset(
                    p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
                )
                scopes = tuple(
                    scope
                    for need in operation.get("security", [])
                    for listed in need.values()
                    for scope in listed
                )
                cached.append(Operation(pattern, method.upper(), names, scopes))
        app.state.api_operations = cached
    return cached


def operation_for(app: FastAPI, method: str, path: str) -> Operation | None:
    """The operation this request is for; None for a path or method the API lacks."""
    for operation in operations(app):
        if operation.method == method and operation.pattern.match(path):
            return operation
    return None
