"""Request-scoped dependencies as named ``Annotated`` aliases, so route signatures stay short.

Routes reach the app's shared parts only through ``ServicesDep`` (built once in
``wiring.build_services``), never through ``app.state`` directly. Dependencies are ``async``,
so FastAPI runs them on the event loop instead of handing each to a worker thread and back;
the one that reads the database (the sign-in lookup) hands just that read to a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.accounts.sessions import AuthUser
from backend.api.middleware import identify
from backend.api.rate_limits import ANON_ID, count
from backend.core.config import Settings
from backend.core.errors import InvalidInput, Unauthorized
from backend.core.principal import Principal
from backend.data.database import statements, transaction
from backend.wiring import AppServices


async def get_services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


ServicesDep = Annotated[AppServices, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_session(services: ServicesDep) -> Iterator[Session]:
    """The request owns the transaction: commit on success, roll back on any error."""
    with transaction(services.sessions) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit before the response is sent, so a failed commit (database gone)
# answers 503 instead of a 200 whose writes were lost or a connection dropped mid-response.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 8192:
        raise Unauthorized("The Authorization header must be 'Bearer <access token>'.")
    return token.strip()


BearerToken = Annotated[str | None, Depends(bearer_token)]


def _signed_in(services: AppServices, token: str) -> AuthUser:
    """Verify the token (signature, expiry, live session) and count the user's request, on one
    connection: statements that need no transaction, none held for the rest of the request."""
    with statements(services.autocommit) as session:
        user = services.auth.authenticate(session, token)
        count(session, [(f"user:{user.user_id}", services.settings.rate_limit_user_per_minute)])
    return user


async def get_auth_user(
    request: Request, services: ServicesDep, token: BearerToken
) -> AuthUser | None:
    """The signed-in user behind ``Authorization: Bearer``, or None without the header
    (anonymous requests never wait for a worker thread here)."""
    if token is None:
        return None
    user = await run_in_threadpool(_signed_in, services, token)
    identify(request, user.user_id)
    return user


MaybeUser = Annotated[AuthUser | None, Depends(get_auth_user)]


async def get_principal(request: Request, user: MaybeUser) -> Principal:
    """Signed-in users send ``Authorization: Bearer``; anonymous visitors ``X-Anonymous-ID``
    (counted with the address, ``api.rate_limits``)."""
    anon_id = request.headers.get("X-Anonymous-ID")
    if anon_id is not None and not ANON_ID.fullmatch(anon_id):
        raise InvalidInput("X-Anonymous-ID must be 8-64 letters, digits, '-' or '_'")
    return Principal(
        user_id=user.user_id if user else None, anon_id=anon_id, client_ip=client_ip(request)
    )


async def get_current_user(user: MaybeUser) -> AuthUser:
    if user is None:
        raise Unauthorized("Sign in to use this; send 'Authorization: Bearer <access token>'.")
    return user


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentUser = Annotated[AuthUser, Depends(get_current_user)]
