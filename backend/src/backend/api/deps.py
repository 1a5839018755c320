"""Request-scoped dependencies as named ``Annotated`` aliases, so route signatures stay short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.api.middleware import identify
from backend.api.rate_limits import limit_principal
from backend.core.config import Settings
from backend.core.errors import InvalidInput, Unauthorized
from backend.data.database import transaction

_ANON_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user, or an anonymous visitor known by id and address."""

    user_id: str | None
    anon_id: str | None
    client_ip: str
    email: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit on success, roll back on any error."""
    with transaction(request.app.state.sessions) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit before the response is sent, so a failed commit (database gone)
# answers 503 instead of a 200 whose writes were lost or a connection dropped mid-response.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 8192:
        raise Unauthorized("The Authorization header must be 'Bearer <access token>'.")
    return token.strip()


def get_principal(request: Request) -> Principal:
    """Signed-in users send ``Authorization: Bearer``; anonymous visitors ``X-Anonymous-ID``.

    A bearer token is verified (signature, expiry, live session) on every request, in its own
    short unit of work so no app-database connection is held for the rest of the request (the
    ask pipeline opens its own). The user is also kept on ``request.state.auth_user``.
    """
    anon_id = request.headers.get("X-Anonymous-ID")
    if anon_id is not None and not _ANON_ID.fullmatch(anon_id):
        raise InvalidInput("X-Anonymous-ID must be 8-64 letters, digits, '-' or '_'")
    token = bearer_token(request)
    if token is None:
        limit_principal(request, user_id=None, anon_id=anon_id)
        return Principal(user_id=None, anon_id=anon_id, client_ip=client_ip(request))
    with transaction(request.app.state.sessions) as session:
        user = request.app.state.auth.authenticate(session, token)
    request.state.auth_user = user
    identify(request, user.user_id)
    limit_principal(request, user_id=user.user_id, anon_id=None)
    return Principal(
        user_id=user.user_id, anon_id=anon_id, client_ip=client_ip(request), email=user.email
    )


def get_current_user(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.user_id is None:
        raise Unauthorized("Sign in to use this; send 'Authorization: Bearer <access token>'.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentUser = Annotated[Principal, Depends(get_current_user)]
