"""The plans on offer, written from the limits the server enforces (so no page can disagree)."""

from __future__ import annotations

from contract.plans import Limits, Plans, Tier

from backend.core.config import Settings


def limits(settings: Settings) -> Limits:
    return Limits(
        anonymous_free_questions=settings.anonymous_free_questions,
        free_monthly_quota=settings.free_monthly_quota,
        max_connections=settings.max_connections_per_user,
        max_question_chars=settings.max_question_chars,
        max_sql_chars=settings.max_sql_chars,
        row_cap=settings.query_row_cap,
        csv_row_cap=settings.csv_row_cap,
    )


def plans(settings: Settings) -> Plans:
    limit = limits(settings)
    databases = "1 database" if limit.max_connections == 1 else f"{limit.max_connections} databases"
    free = Tier(
        name="Free",
        price="$0",
        features=[
            f"{limit.free_monthly_quota} questions a month",
            f"Up to {databases} of your own",
            "Demo loans database",
            "CSV export and history",
        ],
        available=True,
    )
    pro = Tier(
        name="Pro",
        price="Coming soon",
        features=["More questions", "More databases", "Team sharing"],
        available=False,
    )
    enterprise = Tier(
        name="Enterprise",
        price="Contact us",
        features=["Single sign-on", "Private deployment", "Support agreement"],
        available=False,
    )
    return Plans(limits=limit, tiers=[free, pro, enterprise])
