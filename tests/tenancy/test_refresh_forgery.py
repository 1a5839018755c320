"""A forged refresh token is refused without signing anyone out; a replayed real one still is.

Contract: ``POST /api/auth/refresh`` (services.auth.local): ``<sid>.garbage`` — the session id
is readable in every access token — answers 401 and leaves that sign-in working; a token this
server issued and already rotated away ends the sign-in (reuse detection). Real backend
process, real PostgreSQL.
"""

from __future__ import annotations

import httpx
import jwt

from tests.tenancy.conftest import bearer, register


def test_a_forged_refresh_token_does_not_sign_the_owner_out(api: httpx.Client) -> None:
    user = register(api)
    sid = jwt.decode(user["access_token"], options={"verify_signature": False})["sid"]
    for forged in (f"{sid}.garbage", f"{sid}.x.y", sid, f"{sid}.\u00e9\u00e8.\u00e0"):
        refused = api.post("/api/auth/refresh", json={"refresh_token": forged})
        assert refused.status_code == 401, refused.text
    assert api.get("/api/auth/me", headers=bearer(user)).status_code == 200
    rotated = api.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert rotated.status_code == 200, rotated.text


def test_a_replayed_real_token_still_ends_the_sign_in(api: httpx.Client) -> None:
    user = register(api)
    first = api.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert first.status_code == 200
    replayed = api.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert replayed.status_code == 401
    newest = api.post("/api/auth/refresh", json={"refresh_token": first.json()["refresh_token"]})
    assert newest.status_code == 401
