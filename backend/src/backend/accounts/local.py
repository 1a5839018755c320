"""Local accounts: users in the app database, Argon2id hashes, short-lived signed access tokens.

Access tokens are HS256 JWTs (15 minutes) naming the user and the sign-in session; the signing
key is derived with HKDF from the first ``ENCRYPTION_KEY`` (no extra secret to manage; rotating
that key signs everyone out within one token lifetime, refresh tokens keep working). Refresh
tokens are random, opaque, stored hashed and rotated on every use; presenting one that was
already rotated away ends the whole sign-in (reuse detection). Their MAC tells such a token
from a forged ``<sid>.anything`` (the sid is readable in every access token), which is only
refused, so nobody can sign someone else out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.accounts import passwords, sessions
from backend.accounts.sessions import AuthUser, InvalidToken, TokenPair
from backend.accounts.throttle import guarded_login
from backend.core.errors import Conflict
from backend.data.database import transaction
from backend.data.models import User, new_id

ACCESS_TTL = timedelta(minutes=15)
ISSUER = "eaa-backend"
AUDIENCE = "eaa-api"
SIGNING_PURPOSE = "eaa access-token signing v1"


class EmailTaken(Conflict):
    code = "email_taken"


class LocalAuth:
    name = "local"

    def __init__(self, factory: sessionmaker[Session], signing_key: bytes) -> None:
        self._factory = factory
        self._key = signing_key

    def register(self, session: Session, *, email: str, password: str) -> TokenPair:
        passwords.check_strength(password, email=email)
        taken = EmailTaken("An account with this email already exists; sign in instead.")
        if session.execute(select(User.id).where(User.email == email)).first():
            raise taken
        user = User(email=email, provider="local", password_hash=passwords.hash_password(password))
        session.add(user)
        try:
            session.flush()
        except IntegrityError:  # the same email registered concurrently
            raise taken from None
        return self._start(session, user)

    def login(self, session: Session, *, email: str, password: str, client_ip: str) -> TokenPair:
        def attempt() -> User | None:
            user = session.execute(
                select(User).where(User.email == email, User.provider == "local")
            ).scalar_one_or_none()
            stored = user.password_hash if user else None
            return user if passwords.verify_password(stored, password) else None

        user = guarded_login(
            self._factory, session, email=email, client_ip=client_ip, attempt=attempt
        )
        if user.password_hash and passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        return self._start(session, user)

    def refresh(self, session: Session, *, refresh_token: str) -> TokenPair:
        session_id = refresh_token.partition(".")[0]
        fresh = self._refresh_token(session_id)
        try:
            row = sessions.rotate(session, refresh_token, fresh)
        except InvalidToken:
            # A token this server issued, already rotated away, came back: a copy is in other
            # hands, so the whole sign-in ends (in its own transaction; this request's rolls
            # back). Anything else (e.g. "<sid>.garbage", the sid being readable in every
            # access token) is only refused: it must not sign the real owner out.
            if self._issued_here(refresh_token):
                with transaction(self._factory) as own:
                    sessions.revoke(own, session_id)
            raise
        user = session.get_one(User, row.user_id)
        return self._tokens(user, row.id, fresh)

    def logout(self, session: Session, *, user: AuthUser, access_token: str) -> None:
        sessions.revoke(session, user.session_id)

    def authenticate(self, session: Session, token: str) -> AuthUser:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "sid"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("Your session has expired; please sign in again.") from None
        except jwt.InvalidTokenError:
            raise InvalidToken("The access token is not valid; please sign in again.") from None
        user = sessions.active_user(session, str(claims["sid"]), User.id == str(claims["sub"]))
        if user is None:
            raise InvalidToken("This session was signed out; please sign in again.")
        return user

    def _start(self, session: Session, user: User) -> TokenPair:
        session_id = new_id()
        refresh = self._refresh_token(session_id)
        sessions.open_session(
            session, user_id=user.id, refresh_token=refresh, session_id=session_id
        )
        return self._tokens(user, session_id, refresh)

    def _tokens(self, user: User, session_id: str, refresh: str) -> TokenPair:
        now = datetime.now(UTC)
        claims = {
            "sub": user.id,
            "sid": session_id,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + ACCESS_TTL,
        }
        access = jwt.encode(claims, self._key, algorithm="HS256")
        return TokenPair(access, refresh, int(ACCESS_TTL.total_seconds()), user.id, user.email)

    def _refresh_token(self, session_id: str) -> str:
        """Opaque to clients: ``<sid>.<random>.<mac>``. The session id lets a replayed old
        token end its sign-in; the MAC proves this server issued it."""
        body = f"{session_id}.{secrets.token_urlsafe(32)}"
        return f"{body}.{self._mac(body)}"

    def _issued_here(self, token: str) -> bool:
        if not token.isascii():  # ours are; compare_digest refuses other text
            return False
        body, _, mac = token.rpartition(".")
        return bool(body) and hmac.compare_digest(mac, self._mac(body))

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._key, b"refresh\x00" + body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()
