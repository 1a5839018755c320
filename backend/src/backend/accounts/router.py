"""Accounts: register, sign in/out, refresh, profile and deletion (thin; rules in services.auth)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from backend.accounts.providers import AuthProvider
from backend.accounts.service import delete_account, profile
from backend.accounts.sessions import AuthUser
from backend.api.deps import CurrentUser, DbSession, SettingsDep, bearer_token, client_ip

router = APIRouter(prefix="/auth", tags=["auth"])

Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Credentials(BaseModel):
    email: EmailStr = Field(max_length=320)
    password: Password

    @property
    def normalized_email(self) -> str:
        return str(self.email).strip().lower()


class RefreshBody(BaseModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


def _auth(request: Request) -> AuthProvider:
    provider: AuthProvider = request.app.state.auth
    return provider


@router.post("/register", status_code=201)
def register(body: Credentials, request: Request, session: DbSession) -> dict[str, Any]:
    pair = _auth(request).register(session, email=body.normalized_email, password=body.password)
    return pair.to_dict()


@router.post("/login")
def login(body: Credentials, request: Request, session: DbSession) -> dict[str, Any]:
    pair = _auth(request).login(
        session,
        email=body.normalized_email,
        password=body.password,
        client_ip=client_ip(request),
    )
    return pair.to_dict()


@router.post("/refresh")
def refresh(body: RefreshBody, request: Request, session: DbSession) -> dict[str, Any]:
    return _auth(request).refresh(session, refresh_token=body.refresh_token).to_dict()


@router.post("/logout", status_code=204)
def logout(_: CurrentUser, request: Request, session: DbSession) -> Response:
    user: AuthUser = request.state.auth_user
    _auth(request).logout(session, user=user, access_token=bearer_token(request) or "")
    return Response(status_code=204)


@router.get("/me")
def me(user: CurrentUser, session: DbSession, settings: SettingsDep) -> dict[str, Any]:
    return profile(session, settings, str(user.user_id))


@router.delete("/me", status_code=204)
def delete_me(user: CurrentUser, request: Request, session: DbSession) -> Response:
    request.app.state.connections.forget_user(session, str(user.user_id))
    delete_account(session, str(user.user_id))
    return Response(status_code=204)
