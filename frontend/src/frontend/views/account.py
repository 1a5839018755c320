"""The account line, the quota line and the workspace's database choices."""

from __future__ import annotations

from contract.ask import DEMO_CONNECTION, Quota
from contract.connections import Connection
from contract.plans import Limits

from frontend.api_client import BackendClient
from frontend.errors import BackendError
from frontend.session import Session, after_error, call_signed_in, signed_in

DEMO_CHOICE = ("Demo: loans database", DEMO_CONNECTION)


def quota_text(quota: Quota, *, is_signed_in: bool, limits: Limits | None = None) -> str:
    if quota.remaining is None:
        return ""
    if not is_signed_in:
        if quota.remaining <= 0:
            monthly = f" for {limits.free_monthly_quota} a month" if limits else ""
            return f"You've used your free demo question — sign up free{monthly}."
        return f"{quota.remaining} free demo question left — no account needed."
    plural = "" if quota.remaining == 1 else "s"
    return f"{quota.remaining} question{plural} left this month"


def account_line(session: Session | None) -> str:
    if signed_in(session):
        return f"Signed in as `{(session or {}).get('email', '')}`"
    return "Not signed in — try one demo question free"


def _kind(connection: Connection) -> str:
    return f"{connection.upload.file_format} upload" if connection.upload else connection.dialect


def connection_choices(
    client: BackendClient, session: Session
) -> tuple[list[tuple[str, str]], Session]:
    """The demo database, plus the signed-in user's own connections (and the session)."""
    if not signed_in(session):
        return [DEMO_CHOICE], session
    try:
        connections, session = call_signed_in(client, session, client.list_connections)
    except BackendError as error:
        return [DEMO_CHOICE], after_error(session, error)
    own = [(f"{item.name} ({_kind(item)})", item.id) for item in connections]
    return [DEMO_CHOICE, *own], session
