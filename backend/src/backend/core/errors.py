"""Expected failures as one family of errors, each with an HTTP status and a stable code.

Services raise these; one handler renders ``{"error": code, "detail": message}``. Anything else
is a bug and answers 500 without internals.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class InvalidInput(AppError):
    status_code = 422
    code = "invalid_input"


class QuotaExceeded(AppError):
    status_code = 402
    code = "quota_exceeded"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, extra: dict[str, Any] | None = None):
        super().__init__(detail, extra=extra)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = 503
    code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int = 5, extra: dict[str, Any] | None = None):
        super().__init__(detail, extra=extra)
        self.retry_after = retry_after
