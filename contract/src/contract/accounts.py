"""Accounts: tokens, the signed-in user's profile."""

from __future__ import annotations

from typing import Literal

from contract.ask import Quota
from contract.base import ApiModel


class UserRef(ApiModel):
    id: str
    email: str


class TokenPair(ApiModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int
    user: UserRef


class Profile(ApiModel):
    id: str
    email: str
    plan: str
    quota: Quota
