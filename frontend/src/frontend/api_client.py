"""The only code that knows the backend's URLs: typed calls, timeouts, retries, typed errors.

The client is shared by every visitor, so it holds no per-user data: each call receives the
caller's ``Identity`` (tokens and anonymous id kept in the visitor's browser). A streamed
question (``query_stream``) is one open response read as server-sent events; closing it stops
the question on the backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from contract.accounts import Profile, TokenPair
from contract.ask import Answer, Examples, Transcript
from contract.ask_events import ASK_EVENT, AskEvent, Done, Failed
from contract.connections import (
    Connection,
    ConnectionList,
    ConnectionTest,
    ParsedConnection,
    SslMode,
    UploadUsage,
)
from contract.history import HistoryPage
from contract.plans import Plans
from httpx_sse import EventSource, SSEError
from pydantic import BaseModel, ValidationError

from frontend.errors import BackendError

__all__ = ["BackendClient", "BackendError", "BackendStatus", "Identity", "QuestionStream"]

_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
# Reading and loading a large spreadsheet takes longer than answering a question.
UPLOAD_TIMEOUT = httpx.Timeout(180.0, connect=5.0)
M = TypeVar("M", bound=BaseModel)


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


def _ask_body(
    question: str | None, sql: str | None, connection_id: str, conversation_id: str | None
) -> dict[str, Any]:
    return {
        "question": question,
        "sql": sql,
        "connection_id": connection_id,
        "conversation_id": conversation_id,
    }


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


def _failure(event: Failed) -> BackendError:
    """An ``error`` event as the error the plain endpoint would have answered."""
    body = event.body.model_dump()
    extra = {k: v for k, v in body.items() if k not in {"error", "detail"}}
    return BackendError(event.body.error, event.body.detail, event.status, extra)


class QuestionStream:
    """One streamed question's events as they arrive, up to ``done``; an ``error`` event is
    raised as the ``BackendError`` the plain endpoint would answer, and so is a stream that
    ends without either. Closing it hangs up, which stops the question on the backend."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[AskEvent]:
        try:
            for message in EventSource(self._response).iter_sse():
                event = ASK_EVENT.validate_json(message.data)
                if isinstance(event, Failed):
                    raise _failure(event)
                yield event
                if isinstance(event, Done):
                    return
        except (httpx.TransportError, SSEError) as error:
            raise BackendError(
                "stream_lost", "The connection to the analytics service was lost."
            ) from error
        except ValidationError as error:
            raise BackendError("server_error", "Unexpected answer shape.") from error
        finally:
            self.close()
        raise BackendError("stream_lost", "The analytics service ended the answer early.")

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> QuestionStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


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

    def _headers(self, identity: Identity | None) -> dict[str, str]:
        headers = identity.headers() if identity else {}
        address = self._visitor_address() if self._visitor_address else None
        if address:
            headers["X-Forwarded-For"] = address
        return headers

    def _request(
        self, method: str, path: str, identity: Identity | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = self._headers(identity)
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
    ) -> Answer:
        body = _ask_body(question, sql, connection_id, conversation_id)
        return self._typed(Answer, "POST", "/api/query", identity, json=body)

    def query_stream(
        self,
        identity: Identity,
        *,
        question: str | None = None,
        sql: str | None = None,
        connection_id: str = "demo",
        conversation_id: str | None = None,
    ) -> QuestionStream:
        """The same question, its steps as they happen. A refusal before it starts (quota,
        input, sign-in) raises here, so a 401 can be refreshed and the call repeated."""
        body = _ask_body(question, sql, connection_id, conversation_id)
        headers = {**self._headers(identity), "Accept": "text/event-stream"}
        request = self._http.build_request("POST", "/api/query/stream", json=body, headers=headers)
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise BackendError(
                "backend_down", "The analytics service is not reachable right now."
            ) from error
        if response.status_code >= 400:
            try:
                response.read()
            finally:
                response.close()
            raise _error_from(response)
        return QuestionStream(response)

    def cancel_query(self, identity: Identity, question_id: str) -> None:
        """Stop a streamed question (its id came in the ``accepted`` event)."""
        self._request("POST", f"/api/query/{question_id}/cancel", identity)

    def examples(self, identity: Identity | None = None) -> Examples:
        return self._typed(Examples, "GET", "/api/examples", identity)

    def plans(self) -> Plans:
        return self._typed(Plans, "GET", "/api/plans")

    def transcribe(self, identity: Identity, audio_path: str | Path) -> str:
        path = Path(audio_path)
        with path.open("rb") as audio:
            files = {"audio": (path.name, audio, "application/octet-stream")}
            return self._typed(Transcript, "POST", "/api/transcribe", identity, files=files).text

    # --- auth ---------------------------------------------------------------------------
    def register(self, email: str, password: str) -> TokenPair:
        body = {"email": email, "password": password}
        return self._typed(TokenPair, "POST", "/api/auth/register", json=body)

    def login(self, email: str, password: str) -> TokenPair:
        body = {"email": email, "password": password}
        return self._typed(TokenPair, "POST", "/api/auth/login", json=body)

    def refresh(self, refresh_token: str) -> TokenPair:
        body = {"refresh_token": refresh_token}
        return self._typed(TokenPair, "POST", "/api/auth/refresh", json=body)

    def logout(self, identity: Identity) -> None:
        self._request("POST", "/api/auth/logout", identity)

    def me(self, identity: Identity) -> Profile:
        return self._typed(Profile, "GET", "/api/auth/me", identity)

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
        return self._typed(ConnectionList, "GET", "/api/connections", identity).items

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

    # --- uploads ------------------------------------------------------------------------
    def upload_file(
        self, identity: Identity, file_path: str | Path, *, name: str | None = None
    ) -> Connection:
        """The spreadsheet at ``file_path`` as a new connection (deleted like any other)."""
        path = Path(file_path)
        form = {"name": name} if name else {}
        with path.open("rb") as content:
            files = {"file": (path.name, content, "application/octet-stream")}
            return self._typed(
                Connection,
                "POST",
                "/api/uploads",
                identity,
                files=files,
                data=form,
                timeout=UPLOAD_TIMEOUT,
            )

    def upload_usage(self, identity: Identity) -> UploadUsage:
        return self._typed(UploadUsage, "GET", "/api/uploads/usage", identity)

    # --- history ------------------------------------------------------------------------
    def history(self, identity: Identity, *, page: int = 1, page_size: int = 20) -> HistoryPage:
        params = {"page": page, "page_size": page_size}
        return self._typed(HistoryPage, "GET", "/api/history", identity, params=params)

    def history_answer(self, identity: Identity, history_id: str) -> Answer:
        """A past answer as it was shown, with its rows fetched now (nothing is charged)."""
        return self._typed(Answer, "GET", f"/api/history/{history_id}/answer", identity)

    def rerun(self, identity: Identity, history_id: str) -> Answer:
        return self._typed(Answer, "POST", f"/api/history/{history_id}/rerun", identity)

    def feedback(self, identity: Identity, history_id: str, value: int) -> None:
        path = f"/api/history/{history_id}/feedback"
        self._request("PUT", path, identity, json={"value": value})

    def history_csv(self, identity: Identity, history_id: str) -> bytes:
        return self._request("GET", f"/api/history/{history_id}/csv", identity).content
