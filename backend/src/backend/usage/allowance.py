"""Whose allowance a question is taken from, and how much of it there is.

Signed-in users count against ``user:<id>`` per month; anonymous visitors against their browser
id and their address for life, so a new browser tab does not buy another free question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from backend.core.config import Settings
from backend.core.errors import QuotaExceeded
from backend.core.principal import Principal
from backend.usage import quota


@dataclass(frozen=True)
class Allowance:
    subjects: list[str]
    limit: int
    period: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self, session: Session) -> None:
        """A cheap read up front, so a question that cannot be answered costs no engine work."""
        left = quota.remaining(session, self.subjects, limit=self.limit, period=self.period)
        if left <= 0:
            raise QuotaExceeded(
                self.message, extra={"remaining": 0, "limit": self.limit, **self.extra}
            )

    def take(self, session: Session) -> int:
        """Atomically take one question (see ``quota.consume``); what is left afterwards."""
        try:
            return quota.consume(
                session, self.subjects, limit=self.limit, period=self.period, message=self.message
            )
        except QuotaExceeded as error:
            raise QuotaExceeded(error.detail, extra={**error.extra, **self.extra}) from None


def allowance_for(settings: Settings, principal: Principal) -> Allowance:
    if principal.user_id is not None:
        return Allowance(
            [f"user:{principal.user_id}"],
            settings.free_monthly_quota,
            quota.monthly_period(),
            f"You have used this month's {settings.free_monthly_quota} free questions; "
            "the allowance renews on the 1st of next month.",
        )
    subjects = [f"ip:{principal.client_ip}"]
    if principal.anon_id:
        subjects.insert(0, f"anon:{principal.anon_id}")
    return Allowance(
        subjects,
        settings.anonymous_free_questions,
        quota.LIFETIME,
        "You have used your free question on the demo. Sign up for a free account to keep "
        f"asking ({settings.free_monthly_quota} questions a month, and your own databases).",
        {"signup": True},
    )
