"""The only code that knows the backend's URLs: typed calls, timeouts, retries, typed errors.

The client is shared by every visitor, so it holds no per-user data: each call receives the
caller's ``Identity`` (tokens and anonymous id kept in the visitor's browser).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontend.errors import BackendError

__all__ = ["BackendClient", "BackendError", "BackendStatus", "Identity"]

SslMode = Literal["require", "prefer", "disable"]
_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


M = TypeVar("M", bound=_Model)


class ChartSpec(_Model):
    type: str = "none"
    x: str | None = None
    y: str | None = None
    color: str | None = None
    title: str = ""


class Quota(_Model):
    remaining: int | None = None
    limit: int | None = None
    period: str = ""


class Timings(_Model):
    sql_ms: float = 0.0
    run_ms: float = 0.0
    chart_ms: float = 0.0
    insights_ms: float = 0.0
    total_ms: float = 0.0


class QueryResult(_Model):
    id: str | int
    conversation_id: str | None = None
    question: str | None = None
    sql: str
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = False
    row_cap: int | None = None
    chart: ChartSpec | None = None
    explanation: str = ""
    insights: list[str] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    engine: str = ""
    quota: Quota = Field(default_factory=Quota)


class TableSummary(_Model):
    name: str
    description: str = ""
    columns: list[str] = Field(default_factory=list)


class DatabaseSummary(_Model):
    name: str
    description: str = ""
    tables: list[TableSummary] = Field(default_factory=list)


class Examples(_Model):
    database: DatabaseSummary
    questions: list[str]


class User(_Model):
    id: str
    email: str


class Tokens(_Model):
    access_token: str
    refresh_token: str
    expires_in: int = 0
    user: User


class Me(_Model):
    id: str
    email: str
    plan: str = "free"
    quota: Quota = Field(default_factory=Quota)


class ParsedConnection(_Model):
    dialect: str
    host: str | None = None
    port: int | None = None
    database: str | None = None
    username: str | None = None
    display_url: str


class ConnectionTest(_Model):
    ok: bool
    dialect: str = ""
    display_url: str = ""
    table_count: int = 0


class ConnectionTable(_Model):
    name: str
    enabled: bool
    row_estimate: int | None = None


class Connection(_Model):
    id: str
    name: str
    dialect: str
    ssl_mode: str
    display_url: str
    created_at: str | None = None
    scanned_at: str | None = None
    tables: list[ConnectionTable] = Field(default_factory=list)


class HistoryItem(_Model):
    id: str | int
    question: str | None = None
    sql: str | None = None
    row_count: int | None = None
    truncated: bool = False
    status: str = ""
    created_at: str = ""
    connection_id: str | None = None
    conversation_id: str | None = None
    feedback: int | None = None


class HistoryPage(_Model):
    items: list[HistoryItem]
    page: int
    page_size: int
    total: int


@dataclass(frozen=True)
class Identity:
    """Who is calling: a signed-in user's access token, else the browser's anonymous id."""

    access_token: str | None = None
    anon_id: str | None = None

    def headers(self) -> dict[str, str]:
        if self.access_token:
            return {"Authorization": f"Bearer {self.access_token}"}
        if self.anon_id:
            return {"X-Anonymous-ID": self.anon_id}
        return {}


@dataclass(frozen=True)
class BackendStatus:
    reachable: bool
    healthy: bool
    version: str | None
    database: str | None


def _source(url: str | None, env_text: str | None, ssl_mode: SslMode) -> dict[str, Any]:
    """Connection details are sent as given (URL or .env text); the backend parses them."""
    body: dict[str, Any] = {"ssl_mode": ssl_mode}
    if env_text:
        body["env_text"] = env_text
    else:
        body["url"] = url or ""
    return body


def _error_from(response: httpx.Response) -> BackendError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        extra = {k: v for k, v in body.items() if k not in {"error", "detail"}}
        if "retry-after" in response.headers:
            extra.setdefault("retry_after", response.headers["retry-after"])
        return BackendError(body["error"], str(body.get("detail", "")), response.status_code, extra)
    # Not the contract's error shape (a proxy page, a route this backend lacks): say so plainly.
    code = {401: "unauthorized", 429: "rate_limited"}.get(response.status_code, "server_error")
    return BackendError(code, "The request was not accepted.", response.status_code)


class BackendClient:
    """Typed methods for every backend endpoint (see the HTTP API contract)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        retries: int = 2,
        backoff_seconds: float = 0.3,
        visitor_address: Callable[[], str | None] | None = None,
    ) -> None:
        # The transport retries failed connection attempts for every method (nothing was
        # sent); idempotent calls are also retried here after a read failure.
        self._retries = retries
        self._backoff = backoff_seconds
        self._visitor_address = visitor_address
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=httpx.HTTPTransport(retries=retries),
        )

    def close(self) -> None:
        self._http.close()

    def _request(
        self, method: str, path: str, identity: Identity | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = identity.headers() if identity else {}
        address = self._visitor_address() if self._visitor_address else None
        if address:
            headers["X-Forwarded-For"] = address
        attempts = 1 + (self._retries if method in _IDEMPOTENT else 0)
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as error:
                if attempt + 1 < attempts:
                    time.sleep(self._backoff * (2**attempt))
                    continue
                raise BackendError(
                    "backend_down", "The analytics service is not reachable right now."
                ) from error
            if response.status_code >= 400:
                raise _error_from(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover - loop always returns/raises

    def _json(self, method: str, path: str, identity: Identity | None = None, **kw: Any) -> Any:
        response = self._request(method, path, identity, **kw)
        try:
            return response.json()
        except ValueError as error:
            raise BackendError(
                "server_error", "Unreadable answer.", response.status_code
            ) from error

    def _typed(
        self, model: type[M], method: str, path: str, identity: Identity | None = None, **kw: Any
    ) -> M:
        try:
            return model.model_validate(self._json(method, path, identity, **kw))
        except ValidationError as error:
            raise BackendError("server_error", "Unexpected answer shape.") from error

    # --- health -------------------------------------------------------------------------
    def status(self) -> BackendStatus:
        """Health of the backend; never raises, so the page can always show something."""
        try:
            response = self._http.get("/api/health", timeout=5.0)
            body = response.json()
        except httpx.TransportError:
            return BackendStatus(False, False, None, None)
        except ValueError:
            return BackendStatus(True, False, None, None)
        return BackendStatus(
            True, response.status_code == 200, body.get("version"), body.get("database")
        )

    # --- ask ----------------------------------------------------------------------------
    def query(
        self,
        identity: Identity,
        *,
        question: str | None = None,
        sql: str | None = None,
        connection_id: str = "demo",
        conversation_id: str | None = None,
    ) -> QueryResult:
        body = {
            "question": question,
            "sql": sql,
            "connection_id": connection_id,
            "conversation_id": conversation_id,
        }
        return self._typed(QueryResult, "POST", "/api/query", identity, json=body)

    def examples(self, identity: Identity | None = None) -> Examples:
        return self._typed(Examples, "GET", "/api/examples", identity)

    def transcribe(self, identity: Identity, audio_path: str | Path) -> str:
        path = Path(audio_path)
        with path.open("rb") as audio:
            files = {"audio": (path.name, audio, "application/octet-stream")}
            body = self._json("POST", "/api/transcribe", identity, files=files)
        return str(body.get("text", ""))

    # --- auth ---------------------------------------------------------------------------
    def register(self, email: str, password: str) -> Tokens:
        body = {"email": email, "password": password}
        return self._typed(Tokens, "POST", "/api/auth/register", json=body)

    def login(self, email: str, password: str) -> Tokens:
        body = {"email": email, "password": password}
        return self._typed(Tokens, "POST", "/api/auth/login", json=body)

    def refresh(self, refresh_token: str) -> Tokens:
        body = {"refresh_token": refresh_token}
        return self._typed(Tokens, "POST", "/api/auth/refresh", json=body)

    def logout(self, identity: Identity) -> None:
        self._request("POST", "/api/auth/logout", identity)

    def me(self, identity: Identity) -> Me:
        return self._typed(Me, "GET", "/api/auth/me", identity)

    def delete_me(self, identity: Identity) -> None:
        self._request("DELETE", "/api/auth/me", identity)

    # --- connections --------------------------------------------------------------------
    def parse_connection(
        self, identity: Identity, *, url: str | None, env_text: str | None, ssl_mode: SslMode
    ) -> ParsedConnection:
        body = _source(url, env_text, ssl_mode)
        return self._typed(ParsedConnection, "POST", "/api/connections/parse", identity, json=body)

    def test_connection(
        self, identity: Identity, *, url: str | None, env_text: str | None, ssl_mode: SslMode
    ) -> ConnectionTest:
        body = _source(url, env_text, ssl_mode)
        return self._typed(ConnectionTest, "POST", "/api/connections/test", identity, json=body)

    def create_connection(
        self,
        identity: Identity,
        *,
        name: str,
        url: str | None,
        env_text: str | None,
        ssl_mode: SslMode,
    ) -> Connection:
        body = {"name": name, **_source(url, env_text, ssl_mode)}
        return self._typed(Connection, "POST", "/api/connections", identity, json=body)

    def list_connections(self, identity: Identity) -> list[Connection]:
        body = self._json("GET", "/api/connections", identity)
        try:
            return [Connection.model_validate(item) for item in body.get("items", [])]
        except ValidationError as error:
            raise BackendError("server_error", "Unexpected answer shape.") from error

    def get_connection(self, identity: Identity, connection_id: str) -> Connection:
        return self._typed(Connection, "GET", f"/api/connections/{connection_id}", identity)

    def set_enabled_tables(
        self, identity: Identity, connection_id: str, enabled: list[str]
    ) -> Connection:
        path = f"/api/connections/{connection_id}/tables"
        return self._typed(Connection, "PUT", path, identity, json={"enabled": enabled})

    def scan_connection(self, identity: Identity, connection_id: str) -> Connection:
        path = f"/api/connections/{connection_id}/scan"
        return self._typed(Connection, "POST", path, identity)

    def delete_connection(self, identity: Identity, connection_id: str) -> None:
        self._request("DELETE", f"/api/connections/{connection_id}", identity)

    # --- history ------------------------------------------------------------------------
    def history(self, identity: Identity, *, page: int = 1, page_size: int = 20) -> HistoryPage:
        params = {"page": page, "page_size": page_size}
        return self._typed(HistoryPage, "GET", "/api/history", identity, params=params)

    def rerun(self, identity: Identity, history_id: str | int) -> QueryResult:
        return self._typed(QueryResult, "POST", f"/api/history/{history_id}/rerun", identity)

    def feedback(self, identity: Identity, history_id: str | int, value: int) -> None:
        path = f"/api/history/{history_id}/feedback"
        self._request("PUT", path, identity, json={"value": value})

    def history_csv(self, identity: Identity, history_id: str | int) -> bytes:
        return self._request("GET", f"/api/history/{history_id}/csv", identity).content
