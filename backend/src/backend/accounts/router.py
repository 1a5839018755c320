"""Accounts: register, sign in/out, refresh, profile and deletion (thin; rules in the auth
provider and ``accounts.service``)."""

from __future__ import annotations

from contract.accounts import Profile, TokenPair
from fastapi import APIRouter, Request, Response

from backend.accounts.schemas import Credentials, RefreshBody
from backend.accounts.service import delete_account, profile
from backend.api.deps import BearerToken, CurrentUser, DbSession, ServicesDep, client_ip
from backend.api.errors import documented

router = APIRouter(prefix="/auth", tags=["auth"])

_SIGNED_IN = "unauthorized / invalid_token: sign in first"
SIGN_IN_ERRORS = documented(
    e401="invalid_credentials: email or password is incorrect",
    e422="invalid_input: the email or password is malformed",
    e429="rate_limited: too many failed sign-ins; see Retry-After",
)
REGISTER_ERRORS = documented(
    e403="confirm_email: the auth service wants the address confirmed first",
    e409="conflict: the email is already registered",
    e422="invalid_input or weak_password: the detail says what to fix",
)


@router.post("/register", status_code=201, response_model=TokenPair, responses=REGISTER_ERRORS)
def register(body: Credentials, services: ServicesDep, session: DbSession) -> TokenPair:
    pair = services.auth.register(session, email=body.normalized_email, password=body.password)
    return pair.public()


@router.post("/login", response_model=TokenPair, responses=SIGN_IN_ERRORS)
def login(
    body: Credentials, request: Request, services: ServicesDep, session: DbSession
) -> TokenPair:
    pair = services.auth.login(
        session, email=body.normalized_email, password=body.password, client_ip=client_ip(request)
    )
    return pair.public()


@router.post(
    "/refresh", response_model=TokenPair, responses=documented(e401="invalid_token: sign in again")
)
def refresh(body: RefreshBody, services: ServicesDep, session: DbSession) -> TokenPair:
    return services.auth.refresh(session, refresh_token=body.refresh_token).public()


@router.post("/logout", status_code=204, responses=documented(e401=_SIGNED_IN))
def logout(
    user: CurrentUser, token: BearerToken, services: ServicesDep, session: DbSession
) -> Response:
    services.auth.logout(session, user=user, access_token=token or "")
    return Response(status_code=204)


@router.get("/me", response_model=Profile, responses=documented(e401=_SIGNED_IN))
def me(user: CurrentUser, services: ServicesDep, session: DbSession) -> Profile:
    return profile(session, services.settings, user.user_id)


@router.delete("/me", status_code=204, responses=documented(e401=_SIGNED_IN))
def delete_me(user: CurrentUser, services: ServicesDep, session: DbSession) -> Response:
    services.connections.forget_user(session, user.user_id)
    delete_account(session, user.user_id)
    return Response(status_code=204)
