"""Failed sign-ins counted in the app database, per client address and per account.

Within the window, five failures lock the client address for 15 minutes, for every account;
an account locks only after twenty, from any number of addresses. The address is the strong
limit: anyone can fail against someone else's email, so a low per-account limit would let
them lock the real owner out from their own address (a distributed guess still locks it).
Counts live in ``login_throttles`` so every replica sees them; one ``INSERT … ON CONFLICT DO
UPDATE … RETURNING`` per key keeps the increment atomic. Failures are written in their own
transaction because the request's own transaction rolls back when it answers 401.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.accounts.sessions import InvalidCredentials
from backend.core.errors import TooManyRequests
from backend.data.database import transaction
from backend.data.models import LoginThrottle
from backend.data.upsert import insert_for

MAX_FAILURES = 5  # per client address
MAX_ACCOUNT_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
BAD_CREDENTIALS = "Email or password is incorrect."
T = TypeVar("T")


def throttle_keys(email: str, client_ip: str) -> list[str]:
    return [f"account:{email}", f"ip:{client_ip}"]


def check(session: Session, keys: list[str], *, now: datetime | None = None) -> None:
    """Raise 429 with Retry-After while any key is locked."""
    now = now or datetime.now(UTC)
    locked_until = session.execute(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    ).scalar_one_or_none()
    if locked_until is not None:
        if locked_until.tzinfo is None:
            locked_until = locked_until.replace(tzinfo=UTC)
        wait = max(1, math.ceil((locked_until - now).total_seconds()))
        raise TooManyRequests(
            f"Too many failed sign-ins; try again in {math.ceil(wait / 60)} minutes.",
            retry_after=wait,
        )


def record_failure(factory: sessionmaker[Session], keys: list[str]) -> None:
    now = datetime.now(UTC)
    stale = LoginThrottle.first_failure_at < now - WINDOW
    with transaction(factory) as session:
        for key in keys:
            statement = insert_for(session, LoginThrottle).values(
                key=key, failures=1, first_failure_at=now
            )
            failures = session.execute(
                statement.on_conflict_do_update(
                    index_elements=[LoginThrottle.key],
                    set_={
                        "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                        "first_failure_at": case(
                            (stale, now), else_=LoginThrottle.first_failure_at
                        ),
                    },
                ).returning(LoginThrottle.failures)
            ).scalar_one()
            limit = MAX_ACCOUNT_FAILURES if key.startswith("account:") else MAX_FAILURES
            if failures >= limit:
                session.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key)
                    .values(locked_until=now + LOCKOUT, failures=0, first_failure_at=now)
                )


def clear_account(session: Session, email: str) -> None:
    """A successful sign-in forgets the account's failures (the address keeps its count)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == f"account:{email}"))


def guarded_login(
    factory: sessionmaker[Session],
    session: Session,
    *,
    email: str,
    client_ip: str,
    attempt: Callable[[], T | None],
) -> T:
    """Run one sign-in ``attempt`` (None = wrong credentials) under the lockout rules.

    Unknown email and wrong password answer the same message, and both count as failures.
    """
    keys = throttle_keys(email, client_ip)
    check(session, keys)
    result = attempt()
    if result is None:
        record_failure(factory, keys)
        raise InvalidCredentials(BAD_CREDENTIALS)
    clear_account(session, email)
    return result
