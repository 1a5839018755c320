"""Render errors as ``{"error", "detail"}`` JSON that a person can read."""

from __future__ import annotations

import logging

from contract.errors import ErrorBody
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.api.openapi_errors import document_errors
from backend.core.errors import AppError, ServiceUnavailable, TooManyRequests

log = logging.getLogger("backend.errors")

ResponseDocs = dict[int | str, dict[str, object]]


def documented(**descriptions: str) -> ResponseDocs:
    """OpenAPI ``responses=`` for a route: each status (``e404="not_found: …"``) answers the one
    error body."""
    return {
        int(status.removeprefix("e")): {"model": ErrorBody, "description": text}
        for status, text in descriptions.items()
    }


# What any route may answer: bad input, rate limits, an unavailable app database.
ERROR_RESPONSES = documented(
    e422="invalid_input: the request is malformed (the detail names what failed)",
    e429="rate_limited: too many requests; see Retry-After",
    e503="unavailable: the service's database is unavailable; see Retry-After",
)


def _body(code: str, detail: str, **extra: object) -> dict[str, object]:
    return {"error": code, "detail": detail, **extra}


def _describe(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in {"body", "query", "path"})
        message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "the request is invalid"


def rendered(error: Exception) -> tuple[int, dict[str, object], dict[str, str]]:
    """The status, body and headers an exception answers with: one mapping for the HTTP
    handlers below and for the ``error`` event of a streamed question."""
    if isinstance(error, AppError):
        headers = {}
        if isinstance(error, TooManyRequests | ServiceUnavailable):
            headers["Retry-After"] = str(error.retry_after)
        return error.status_code, _body(error.code, error.detail, **error.extra), headers
    if isinstance(error, OperationalError):
        log.warning("app database unavailable: %s", type(error.orig).__name__)
        detail = "The service's database is unavailable; please retry shortly."
        return 503, _body("unavailable", detail), {"Retry-After": "5"}
    if isinstance(error, PoolTimeout):
        # Every pooled connection stayed busy for the whole pool timeout: a load peak, not a bug.
        log.warning("connection pool exhausted")
        detail = "The service is very busy right now; please retry in a few seconds."
        return 503, _body("busy", detail), {"Retry-After": "5"}
    if isinstance(error, DataError):
        # Input no validator caught but PostgreSQL refuses, e.g. a NUL character in text.
        log.info("value refused by the database: %s", type(error.orig).__name__)
        detail = (
            "The request contains a value that cannot be stored (for example a NUL "
            "character in text or a number out of range); please correct it."
        )
        return 422, _body("invalid_input", detail), {}
    log.error("unhandled error", exc_info=error)
    detail = "Something went wrong on our side; it has been logged."
    return 500, _body("internal_error", detail), {}


def _answer(error: Exception) -> JSONResponse:
    status, body, headers = rendered(error)
    return JSONResponse(body, status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    document_errors(app)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body("invalid_input", _describe(error)), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else "request failed"
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return JSONResponse(_body(code, detail), error.status_code, headers=error.headers)

    # Expected failures, a lost app database, an exhausted pool, an unstorable value, a bug.
    for kind in (AppError, OperationalError, PoolTimeout, DataError, Exception):
        app.add_exception_handler(kind, _handle)


async def _handle(_: Request, error: Exception) -> JSONResponse:
    return _answer(error)
