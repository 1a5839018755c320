"""The visitor's session as kept in the browser (gr.BrowserState): tokens and anonymous id.

Plain dicts so they round-trip through the browser. Signed-in calls go through
``call_signed_in``, which refreshes the access token once on a 401; if that fails the session
is cleared and marked expired, and the page returns to sign-in with a message.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from contract.accounts import TokenPair

from frontend.api_client import BackendClient, Identity
from frontend.errors import SESSION_EXPIRED, BackendError, friendly_message

T = TypeVar("T")
Session = dict[str, Any]
EXPIRED_NOTICE = SESSION_EXPIRED


def clean(session: Session | None) -> Session:
    """The stored session without UI markers (an update marker must never be stored back)."""
    kept = {key: value for key, value in (session or {}).items() if not key.startswith("__")}
    return kept or anonymous()


def anonymous(session: Session | None = None, notice: str = "") -> Session:
    """A signed-out session that keeps (or creates) the browser's anonymous id."""
    anon_id = (session or {}).get("anon_id") or f"anon_{secrets.token_urlsafe(18)}"
    return {"anon_id": anon_id, "notice": notice}


def signed_in(session: Session | None) -> bool:
    return bool((session or {}).get("access_token"))


def with_tokens(session: Session | None, tokens: TokenPair) -> Session:
    return {
        **anonymous(session),
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "email": tokens.user.email,
    }


def identity(session: Session | None) -> Identity:
    session = session or {}
    return Identity(access_token=session.get("access_token"), anon_id=session.get("anon_id"))


def call_signed_in(
    client: BackendClient, session: Session | None, call: Callable[[Identity], T]
) -> tuple[T, Session]:
    """Run ``call`` as this visitor; on a 401 refresh the tokens once and retry.

    Returns the result and the (possibly refreshed) session. Raises ``BackendError`` with
    code ``session_expired`` when the refresh fails too.
    """
    session = clean(session)
    try:
        return call(identity(session)), session
    except BackendError as error:
        if error.status != 401 or not session.get("refresh_token"):
            raise
    try:
        session = with_tokens(session, client.refresh(session["refresh_token"]))
    except BackendError as error:
        if error.status == 401:
            raise BackendError("session_expired", EXPIRED_NOTICE, 401) from error
        raise
    try:
        return call(identity(session)), session
    except BackendError as error:
        if error.status == 401:
            raise BackendError("session_expired", EXPIRED_NOTICE, 401) from error
        error.refreshed_session = session
        raise


def after_error(session: Session | None, error: BackendError) -> Session:
    """The session to keep after a failed call: signed out with a notice when the sign-in
    expired, the refreshed tokens when a refresh happened first, else unchanged."""
    if error.session_expired:
        return anonymous(session, friendly_message(error))
    return error.refreshed_session or clean(session)
