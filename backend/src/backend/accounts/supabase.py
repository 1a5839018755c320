"""Supabase Auth: the official client for sign-up/in/refresh/out, local token verification.

Access tokens are verified on every request without a network round trip: the project's public
signing keys (JWKS) are fetched once and cached (re-fetched after ``JWKS_TTL``, or when an unknown
key id appears, at most every ``JWKS_MIN_REFRESH``). Only asymmetric algorithms are accepted,
with the ``authenticated`` audience and the project's issuer. Users are mirrored into ``users``
(provider ``supabase``, ``external_id`` = Supabase user id) so every row still has a local owner,
and each sign-in gets an ``auth_sessions`` row so logout revokes at once here too.
"""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.accounts import passwords, sessions
from backend.accounts.local import EmailTaken
from backend.accounts.sessions import AuthUser, InvalidToken, TokenPair
from backend.accounts.throttle import guarded_login
from backend.core.errors import AppError, ServiceUnavailable
from backend.data.models import User

if TYPE_CHECKING:
    from supabase import Client
    from supabase_auth.types import Session as SupabaseSession

JWKS_TTL = 600.0
JWKS_MIN_REFRESH = 30.0
ALGORITHMS = ["ES256", "RS256"]
AUDIENCE = "authenticated"


class ConfirmEmail(AppError):
    status_code = 403
    code = "confirm_email"


class SigningKeys:
    """The project's JWKS, cached with a TTL and refreshed on an unknown key id."""

    def __init__(self, url: str, api_key: str) -> None:
        self._url = url
        self._headers = {"apikey": api_key}
        self._keys: dict[str, Any] = {}
        self._fetched = 0.0
        self._lock = threading.Lock()

    def get(self, kid: str) -> Any:
        with self._lock:
            age = time.monotonic() - self._fetched
            if age > JWKS_TTL or (kid not in self._keys and age > JWKS_MIN_REFRESH):
                self._fetch()
            return self._keys.get(kid)

    def _fetch(self) -> None:
        try:
            response = httpx.get(self._url, headers=self._headers, timeout=5.0)
            response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, jwt.PyJWKSetError, ValueError):
            if self._keys:
                return  # keep verifying with the keys we have
            raise ServiceUnavailable("Sign-in is unavailable right now; please retry.") from None
        self._keys = {k.key_id: k.key for k in key_set.keys if k.key_id}
        self._fetched = time.monotonic()


class SupabaseAuth:
    name = "supabase"

    def __init__(self, factory: sessionmaker[Session], url: str, anon_key: str) -> None:
        self._factory = factory
        self._url = url.rstrip("/")
        self._anon_key = anon_key
        self._issuer = f"{self._url}/auth/v1"
        self._keys = SigningKeys(f"{self._issuer}/.well-known/jwks.json", anon_key)

    def _client(self) -> Client:
        # Imported lazily: the client library costs about a second of start-up.
        from supabase import ClientOptions, create_client

        options = ClientOptions(auto_refresh_token=False, persist_session=False)
        return create_client(self._url, self._anon_key, options=options)

    def register(self, session: Session, *, email: str, password: str) -> TokenPair:
        from supabase_auth.errors import AuthApiError, AuthError

        passwords.check_strength(password, email=email)
        try:
            answer = self._client().auth.sign_up({"email": email, "password": password})
        except AuthApiError as error:
            if error.code in {"user_already_exists", "email_exists"} or error.status == 422:
                raise EmailTaken("An account with this email already exists.") from None
            raise _unavailable() from None
        except AuthError:
            raise _unavailable() from None
        if answer.session is None:
            raise ConfirmEmail("Check your inbox to confirm your email address, then sign in.")
        return self._adopt(session, answer.session)

    def login(self, session: Session, *, email: str, password: str, client_ip: str) -> TokenPair:
        from supabase_auth.errors import AuthApiError, AuthError

        def attempt() -> SupabaseSession | None:
            try:
                answer = self._client().auth.sign_in_with_password(
                    {"email": email, "password": password}
                )
            except AuthApiError as error:
                if error.status in {400, 401, 422}:
                    return None
                raise _unavailable() from None
            except AuthError:
                raise _unavailable() from None
            return answer.session

        found = guarded_login(
            self._factory, session, email=email, client_ip=client_ip, attempt=attempt
        )
        return self._adopt(session, found)

    def refresh(self, session: Session, *, refresh_token: str) -> TokenPair:
        from supabase_auth.errors import AuthApiError, AuthError

        try:
            answer = self._client().auth.refresh_session(refresh_token)
        except AuthApiError:
            raise InvalidToken("This sign-in has expired; please sign in again.") from None
        except AuthError:
            raise _unavailable() from None
        if answer.session is None:
            raise InvalidToken("This sign-in has expired; please sign in again.")
        sessions.rotate(session, refresh_token, answer.session.refresh_token)
        return self._pair(session, answer.session)

    def logout(self, session: Session, *, user: AuthUser, access_token: str) -> None:
        from supabase_auth.errors import AuthError

        sessions.revoke(session, user.session_id)
        # Revoked here already; if Supabase is unreachable its refresh token simply expires.
        with suppress(AuthError):
            self._client().auth.admin.sign_out(access_token, "local")

    def authenticate(self, session: Session, token: str) -> AuthUser:
        claims = self._verify(token)
        session_id = claims.get("session_id")
        user = (
            sessions.active_user(session, str(session_id), User.external_id == str(claims["sub"]))
            if session_id
            else None
        )
        if user is None:
            raise InvalidToken("This session was signed out; please sign in again.")
        return user

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS or not header.get("kid"):
                raise jwt.InvalidTokenError("not a Supabase signing algorithm")
            key = self._keys.get(str(header["kid"]))
            if key is None:
                raise jwt.InvalidTokenError("unknown signing key")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=self._issuer,
                options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("Your session has expired; please sign in again.") from None
        except jwt.InvalidTokenError:
            raise InvalidToken("The access token is not valid; please sign in again.") from None
        return claims

    def _mirror(self, session: Session, external_id: str, email: str) -> User:
        """The local row for a Supabase user, created on first sign-in."""
        user = (
            session.execute(
                select(User).where(User.external_id == external_id)
            ).scalar_one_or_none()
            or session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        )
        if user is None:
            user = User(email=email, provider="supabase", external_id=external_id)
            session.add(user)
        else:
            user.external_id, user.email, user.provider = external_id, email, "supabase"
        session.flush()
        return user

    def _pair(self, session: Session, found: SupabaseSession) -> TokenPair:
        claims = self._verify(found.access_token)
        email = (found.user.email if found.user else None) or str(claims.get("email") or "")
        user = self._mirror(session, str(claims["sub"]), email.strip().lower())
        return TokenPair(
            found.access_token, found.refresh_token, int(found.expires_in), user.id, user.email
        )

    def _adopt(self, session: Session, found: SupabaseSession) -> TokenPair:
        pair = self._pair(session, found)
        session_id = self._verify(found.access_token).get("session_id")
        if not session_id:
            raise InvalidToken("Supabase issued a token without a session id.")
        sessions.open_session(
            session,
            user_id=pair.user_id,
            refresh_token=found.refresh_token,
            session_id=str(session_id),
        )
        return pair


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Sign-in is unavailable right now; please retry.")
