"""A local Supabase Auth (GoTrue) server speaking the wire protocol the official client uses.

Endpoints: POST /auth/v1/signup, POST /auth/v1/token?grant_type=password|refresh_token,
GET /auth/v1/user, POST /auth/v1/logout, GET /auth/v1/.well-known/jwks.json. Access tokens are
real ES256 JWTs signed with a key generated at start-up; ``mint`` makes tokens with chosen
claims or another key for negative tests. Every request is logged in ``requests``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ACCESS_TTL = 3600


@dataclass
class FakeUser:
    id: str
    email: str
    password: str


@dataclass
class FakeGoTrue:
    base_url: str = ""
    kid: str = field(default_factory=lambda: secrets.token_hex(8))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    users: dict[str, FakeUser] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> user, session
    revoked_sessions: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    confirm_email: bool = False  # sign-up answers a user without a session, as with mailer on
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/auth/v1"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "ES256", "use": "sig"}]}

    def mint(
        self,
        user: FakeUser,
        session_id: str,
        *,
        ttl: int = ACCESS_TTL,
        key: ec.EllipticCurvePrivateKey | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "aud": "authenticated",
            "iss": self.issuer,
            "sub": user.id,
            "email": user.email,
            "role": "authenticated",
            "session_id": session_id,
            "iat": now,
            "exp": now + ttl,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="ES256", headers={"kid": self.kid})

    def session_body(self, user: FakeUser, session_id: str) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = (user.email, session_id)
        return {
            "access_token": self.mint(user, session_id),
            "token_type": "bearer",
            "expires_in": ACCESS_TTL,
            "expires_at": int(time.time()) + ACCESS_TTL,
            "refresh_token": refresh,
            "user": user_body(user),
        }

    def user_for(self, token: str) -> tuple[FakeUser, str] | None:
        try:
            claims = jwt.decode(
                token, self.key.public_key(), algorithms=["ES256"], audience="authenticated"
            )
        except jwt.InvalidTokenError:
            return None
        if claims["session_id"] in self.revoked_sessions:
            return None
        user = self.users.get(claims["email"])
        return (user, claims["session_id"]) if user else None

    def paths(self) -> list[str]:
        return [path for _, path in self.requests]


def user_body(user: FakeUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": user.email,
        "app_metadata": {"provider": "email"},
        "user_metadata": {},
        "created_at": "2026-01-01T00:00:00Z",
    }


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"code": status, "error_code": code, "msg": message}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _bearer(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ").strip()

    def do_GET(self) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        fake.requests.append(("GET", self.path))
        if path == "/auth/v1/.well-known/jwks.json":
            self._reply(200, fake.jwks())
        elif path == "/auth/v1/user":
            found = fake.user_for(self._bearer())
            if found is None:
                self._reply(*_error(401, "bad_jwt", "invalid JWT"))
            else:
                self._reply(200, user_body(found[0]))
        else:
            self._reply(404, {"msg": "not found"})

    def do_POST(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        fake.requests.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        with fake.lock:
            status, answer = self._route(fake, parts.path, parse_qs(parts.query), body)
        self._reply(status, answer)

    def _route(
        self, fake: FakeGoTrue, path: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        if path == "/auth/v1/signup":
            if body["email"] in fake.users:
                return _error(422, "user_already_exists", "User already registered")
            user = FakeUser(str(uuid.uuid4()), body["email"], body["password"])
            fake.users[user.email] = user
            if fake.confirm_email:
                return 200, user_body(user)
            return 200, fake.session_body(user, str(uuid.uuid4()))
        if path == "/auth/v1/token" and query.get("grant_type") == ["password"]:
            known = fake.users.get(body.get("email", ""))
            if known is None or known.password != body.get("password"):
                return _error(400, "invalid_credentials", "Invalid login credentials")
            return 200, fake.session_body(known, str(uuid.uuid4()))
        if path == "/auth/v1/token" and query.get("grant_type") == ["refresh_token"]:
            entry = fake.refresh_tokens.pop(body.get("refresh_token", ""), None)
            if entry is None or entry[1] in fake.revoked_sessions:
                return _error(400, "refresh_token_not_found", "Invalid Refresh Token")
            return 200, fake.session_body(fake.users[entry[0]], entry[1])
        if path == "/auth/v1/logout":
            found = fake.user_for(self._bearer())
            if found is None:
                return _error(401, "bad_jwt", "invalid JWT")
            fake.revoked_sessions.add(found[1])
            return 204, None
        return 404, {"msg": "not found"}


class _Server(ThreadingHTTPServer):
    fake: FakeGoTrue


@contextmanager
def fake_supabase() -> Iterator[FakeGoTrue]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeGoTrue(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.shutdown()
        server.server_close()
