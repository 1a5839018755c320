"""The OpenAPI document states every error an operation can answer, all in one shape
(``ErrorBody``).

FastAPI documents only what routes declare, plus its own 422 body, which we never send. The
errors our middleware and dependencies add are the same for every route, so they are stated
here once, from each operation's shape: 401 wherever a token is read, 404 where a path names
a resource, 400, 408 and 413 where a body is accepted (unreadable, too slow, too large), and
422, 429 and 503 (app database unavailable, database busy) everywhere but the health check; a
few operations add their own rules' codes.
"""

from __future__ import annotations

from typing import Any

from contract.errors import ErrorBody
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

# The one error body (``contract.errors.ErrorBody``), as pydantic writes its schema.
ERROR_SCHEMA: dict[str, Any] = ErrorBody.model_json_schema()
_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_DESCRIPTIONS = {
    "400": "http_error: the body could not be read (malformed JSON or multipart)",
    "401": "unauthorized: missing, invalid or expired token (or wrong credentials)",
    "404": "not_found: no such resource for this account",
    "408": "request_timeout: the body did not arrive within the time limit",
    "409": "conflict: the resource is in a state that prevents this (the detail says which)",
    "413": "payload_too_large: the body exceeds the size limit",
    "422": "invalid_input: the request does not match the schema or the rules",
    "429": "rate_limited: too many requests; see Retry-After",
    "503": "unavailable or busy: retry after Retry-After seconds",
}
_UNLIMITED = frozenset({"/api/health"})
_NO_TOKEN = frozenset({"/api/health", "/api/examples", "/api/plans", "/api/auth/register"})
# Errors of one operation's own rules, beyond the shared ones.
_DOMAIN: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/auth/register"): ("409",),
    ("post", "/api/connections"): ("409",),
    ("post", "/api/connections/{connection_id}/scan"): ("409",),
    ("get", "/api/history/{item_id}/csv"): ("400", "409"),  # 400: sql_refused
}
_SAME_AS = {("post", "/api/history/{item_id}/rerun"): ("post", "/api/query")}


def _extra_errors(path: str, method: str) -> list[str]:
    if path in _UNLIMITED:
        return []
    codes = ["422", "429", "503", *_DOMAIN.get((method, path), ())]
    if path not in _NO_TOKEN:
        codes.append("401")
    if "{" in path:
        codes.append("404")
    if method in {"post", "put", "patch"}:
        codes += ["400", "408", "413"]
    return codes


def _as_error(response: dict[str, Any]) -> None:
    content = response.get("content") or {}
    schema = content.get("application/json", {}).get("schema", {})
    if not content or schema.get("$ref", "").endswith("/HTTPValidationError"):
        response["content"] = _ERROR_REF


def document_errors(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that adds the shared errors to every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        paths: dict[str, dict[str, Any]] = schema["paths"]
        for path, operations in paths.items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                same = _SAME_AS.get((method, path))
                if same:
                    for code, response in paths[same[1]][same[0]]["responses"].items():
                        responses.setdefault(code, dict(response))
                for code in _extra_errors(path, method):
                    responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
                for code, response in responses.items():
                    if code[0] in "45":
                        _as_error(response)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas.setdefault("ErrorBody", ERROR_SCHEMA)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
