"""Sign-in sessions shared by both providers, so logout revokes at once whoever issued the token.

Each sign-in is a row in ``auth_sessions`` (for Supabase the row id is the token's
``session_id``). A request is authenticated by a valid signature AND a live row: one primary-key
lookup joined to ``users``. Refresh tokens are stored as SHA-256 digests and rotated on use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from contract.accounts import TokenPair as PublicTokens
from contract.accounts import UserRef
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from backend.core.errors import Unauthorized
from backend.data.models import AuthSession, User

REFRESH_LIFETIME = timedelta(days=30)


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class InvalidToken(Unauthorized):
    code = "invalid_token"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: str
    email: str

    def public(self) -> PublicTokens:
        return PublicTokens(
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_in=self.expires_in,
            user=UserRef(id=self.user_id, email=self.email),
        )


@dataclass(frozen=True)
class AuthUser:
    user_id: str
    email: str
    session_id: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, *, user_id: str, refresh_token: str, session_id: str | None = None
) -> str:
    row = AuthSession(
        user_id=user_id,
        refresh_hash=digest(refresh_token),
        expires_at=datetime.now(UTC) + REFRESH_LIFETIME,
    )
    if session_id:
        row.id = session_id
    session.add(row)
    session.flush()
    return row.id


def rotate(session: Session, old_token: str, new_token: str) -> AuthSession:
    """Swap the refresh token of a live session; an unknown, used or revoked one is refused."""
    row = session.execute(
        select(AuthSession)
        .where(
            AuthSession.refresh_hash == digest(old_token),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > datetime.now(UTC),
        )
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise InvalidToken("This sign-in has expired or was signed out; please sign in again.")
    row.refresh_hash = digest(new_token)
    row.expires_at = datetime.now(UTC) + REFRESH_LIFETIME
    session.flush()
    return row


def revoke(session: Session, session_id: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def active_user(session: Session, session_id: str, owner: ColumnElement[bool]) -> AuthUser | None:
    """The user behind a live session row, if ``owner`` (the token's subject) matches it."""
    row = session.execute(
        select(User.id, User.email)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            AuthSession.id == session_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > datetime.now(UTC),
            owner,
        )
    ).one_or_none()
    return AuthUser(row.id, row.email, session_id) if row else None
