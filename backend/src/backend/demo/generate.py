"""A deterministic loans dataset in the spirit of Lending Club, generated from a fixed seed.

No download, no numpy: every install and every test sees the same rows. Distributions follow the
public Lending Club data in shape: most loans are grades B–C, worse grades carry higher rates,
longer terms and more defaults, and the amount borrowed grows with income.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backend.demo.catalogue import LOAN_COUNT

SEED = 20_240_101
AS_OF = dt.date(2024, 9, 30)  # the dataset's "today": statuses are as of this date
FIRST_MONTH = dt.date(2019, 1, 1)
LAST_MONTH = dt.date(2024, 6, 1)
_GRADES = ("A", "B", "C", "D", "E", "F", "G")
_GRADE_WEIGHTS = (18, 29, 27, 14, 7, 3.5, 1.5)
_BASE_RATE = (7.0, 10.6, 14.2, 18.1, 21.7, 25.2, 28.6)  # percent, sub-grade 1 of each grade
_LIFETIME_DEFAULT = (0.055, 0.12, 0.19, 0.27, 0.34, 0.40, 0.46)
_SIXTY_MONTH_SHARE = (0.08, 0.16, 0.27, 0.36, 0.45, 0.52, 0.58)

_PURPOSES = (
    ("debt_consolidation", 56, 1.05),
    ("credit_card", 22, 1.0),
    ("home_improvement", 6.5, 1.05),
    ("other", 5.5, 0.6),
    ("major_purchase", 2.2, 0.75),
    ("medical", 1.3, 0.55),
    ("small_business", 1.1, 1.3),
    ("car", 1.1, 0.6),
    ("vacation", 0.7, 0.4),
    ("moving", 0.7, 0.5),
    ("house", 0.6, 1.2),
    ("wedding", 0.3, 0.8),
    ("renewable_energy", 0.1, 0.8),
    ("educational", 0.1, 0.6),
)
# (state, share of borrowers in percent, income factor)
_STATES = (
    ("CA", 14.0, 1.15), ("NY", 8.3, 1.12), ("TX", 8.2, 1.0), ("FL", 7.1, 0.93),
    ("IL", 4.0, 1.02), ("NJ", 3.7, 1.15), ("PA", 3.4, 0.96), ("OH", 3.3, 0.9),
    ("GA", 3.3, 0.95), ("VA", 2.9, 1.08), ("NC", 2.9, 0.92), ("MI", 2.6, 0.92),
    ("MD", 2.4, 1.1), ("AZ", 2.4, 0.95), ("MA", 2.3, 1.15), ("WA", 2.2, 1.1),
    ("CO", 2.1, 1.05), ("MN", 1.8, 1.0), ("IN", 1.6, 0.9), ("MO", 1.6, 0.9),
    ("TN", 1.6, 0.9), ("NV", 1.4, 0.95), ("CT", 1.4, 1.12), ("WI", 1.3, 0.95),
    ("AL", 1.2, 0.86), ("OR", 1.2, 1.0), ("SC", 1.2, 0.88), ("LA", 1.1, 0.87),
    ("KY", 1.0, 0.86), ("OK", 0.9, 0.87), ("KS", 0.8, 0.92), ("AR", 0.7, 0.84),
    ("UT", 0.7, 1.0), ("NM", 0.5, 0.86), ("HI", 0.5, 1.05), ("MS", 0.5, 0.82),
    ("NH", 0.5, 1.05), ("RI", 0.4, 1.0), ("WV", 0.4, 0.84), ("DE", 0.3, 1.0),
    ("MT", 0.3, 0.9), ("DC", 0.3, 1.25), ("AK", 0.3, 1.1), ("WY", 0.2, 0.95),
    ("SD", 0.2, 0.9), ("VT", 0.2, 0.95), ("NE", 0.2, 0.92), ("ME", 0.2, 0.9),
    ("ID", 0.2, 0.9), ("ND", 0.2, 0.95),
)  # fmt: skip
_EMPLOYMENT = (
    ("< 1 year", 8.5), ("1 year", 6.6), ("2 years", 9.1), ("3 years", 8.0), ("4 years", 6.1),
    ("5 years", 6.3), ("6 years", 4.6), ("7 years", 4.4), ("8 years", 4.5), ("9 years", 3.8),
    ("10+ years", 32.5), (None, 5.6),
)  # fmt: skip
_EMPLOYMENT_INCOME = {None: 0.8, "< 1 year": 0.85, "10+ years": 1.15}
_HOME = (("MORTGAGE", 49.0, 1.2), ("RENT", 39.5, 0.85), ("OWN", 11.4, 1.0), ("OTHER", 0.1, 0.9))
_LATE_STATUSES = (
    ("Late (31-120 days)", 60),
    ("Late (16-30 days)", 22),
    ("In Grace Period", 10),
    ("Default", 8),
)


@dataclass(frozen=True)
class DemoDataset:
    borrowers: list[tuple[Any, ...]]
    loans: list[tuple[Any, ...]]

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        return self.borrowers if table == "borrowers" else self.loans

    def checksum(self) -> str:
        """A fingerprint of every value, to prove the generator is deterministic."""
        digest = hashlib.sha256()
        for row in itertools.chain(self.borrowers, self.loans):
            digest.update(repr(row).encode())
        return digest.hexdigest()


class _Picker:
    """Weighted choice by bisection over cumulative weights: one ``random()`` call per pick."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def _months() -> list[dt.date]:
    months = []
    current = FIRST_MONTH
    while current <= LAST_MONTH:
        months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _month_weight(month: dt.date) -> float:
    """Volume grows over time, dips in spring 2020, peaks in spring and autumn."""
    index = (month.year - FIRST_MONTH.year) * 12 + month.month - 1
    trend = 1.0 + 0.018 * index
    if dt.date(2020, 4, 1) <= month <= dt.date(2020, 12, 1):
        trend *= 0.55
    season = 1.0 + 0.08 * math.sin((month.month - 2) / 12 * 2 * math.pi)
    return trend * season


def _rate_environment(month: dt.date) -> float:
    """Percentage points added to every rate: the 2022–2023 rate rises."""
    if month < dt.date(2022, 4, 1):
        return 0.0
    if month < dt.date(2023, 1, 1):
        return 0.25 * (month.month - 3)
    return 2.5


def _installment(amount: float, rate_percent: float, months: int) -> float:
    monthly = rate_percent / 100 / 12
    return amount * monthly / (1 - (1 + monthly) ** -months)


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def generate(loan_count: int = LOAN_COUNT, seed: int = SEED) -> DemoDataset:
    """Build the dataset; the same arguments always give the same rows."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    grade_pick = _Picker(range(len(_GRADES)), _GRADE_WEIGHTS)
    purpose_pick = _Picker(_PURPOSES, [p[1] for p in _PURPOSES])
    state_pick = _Picker(_STATES, [s[1] for s in _STATES])
    employment_pick = _Picker([e[0] for e in _EMPLOYMENT], [e[1] for e in _EMPLOYMENT])
    home_pick = _Picker(_HOME, [h[1] for h in _HOME])
    months = _months()
    month_pick = _Picker(months, [_month_weight(m) for m in months])
    late_pick = _Picker([s[0] for s in _LATE_STATUSES], [s[1] for s in _LATE_STATUSES])

    borrowers: list[tuple[Any, ...]] = []
    loans: list[tuple[Any, ...]] = []
    for loan_id in range(1, loan_count + 1):
        # About one borrower in six comes back for another loan.
        if borrowers and rng.random() < 0.16:
            borrower = borrowers[int(rng.random() * len(borrowers))]
        else:
            state, _, state_factor = state_pick.pick(rng)
            employment = employment_pick.pick(rng)
            home, _, home_factor = home_pick.pick(rng)
            factor = state_factor * home_factor * _EMPLOYMENT_INCOME.get(employment, 1.0)
            income = min(max(rng.lognormvariate(math.log(62_000 * factor), 0.5), 12_000), 900_000)
            borrower = (len(borrowers) + 1, state, round(income, -2), employment, home)
            borrowers.append(borrower)
        loans.append(_loan(rng, loan_id, borrower, grade_pick, purpose_pick, month_pick, late_pick))
    return DemoDataset(borrowers, loans)


def _loan(
    rng: random.Random,
    loan_id: int,
    borrower: tuple[Any, ...],
    grade_pick: _Picker,
    purpose_pick: _Picker,
    month_pick: _Picker,
    late_pick: _Picker,
) -> tuple[Any, ...]:
    income = float(borrower[2])
    grade = grade_pick.pick(rng)
    sub = 1 + int(rng.random() * 5)
    purpose, _, amount_factor = purpose_pick.pick(rng)
    month = month_pick.pick(rng)
    issue_date = month + dt.timedelta(days=int(rng.random() * 28))

    target = income * 0.2 * amount_factor
    amount = min(max(rng.lognormvariate(math.log(target), 0.45), 1_000), 40_000)
    amount = round(amount / 25) * 25
    sixty = rng.random() < _SIXTY_MONTH_SHARE[grade] + (0.12 if amount > 20_000 else 0.0)
    term = 60 if sixty else 36
    rate = (
        _BASE_RATE[grade]
        + 0.7 * (sub - 1)
        + _rate_environment(month)
        + (0.6 if sixty else 0.0)
        + rng.gauss(0, 0.35)
    )
    rate = round(min(max(rate, 5.3), 30.99), 2)
    dti = round(min(max(rng.gauss(15 + 1.6 * grade, 7.5), 0.0), 45.0), 2)
    verified = rng.random() + (0.25 if amount > 15_000 else 0.0)
    verification = (
        "Not Verified" if verified < 0.32 else "Source Verified" if verified < 0.72 else "Verified"
    )
    status = _status(rng, grade, sub, dti, term, issue_date, late_pick)
    return (
        loan_id,
        borrower[0],
        issue_date,
        float(amount),
        term,
        rate,
        round(_installment(amount, rate, term), 2),
        _GRADES[grade],
        f"{_GRADES[grade]}{sub}",
        purpose,
        dti,
        verification,
        status,
        status in {"Charged Off", "Default"},
    )


def _status(
    rng: random.Random,
    grade: int,
    sub: int,
    dti: float,
    term: int,
    issue_date: dt.date,
    late_pick: _Picker,
) -> str:
    """Where the loan stands on ``AS_OF``: defaults build up over the first years of a loan."""
    elapsed = _months_between(issue_date, AS_OF)
    risk = _LIFETIME_DEFAULT[grade] * (1 + 0.04 * (sub - 3)) * (1 + 0.012 * (dti - 18))
    risk *= 1.15 if term == 60 else 1.0
    exposure = min(1.0, elapsed / (term * 0.65))
    if rng.random() < risk * exposure:
        still_running = elapsed < term and rng.random() < 0.3
        return late_pick.pick(rng) if still_running else "Charged Off"
    if elapsed >= term or rng.random() < min(0.85, elapsed / term * 0.9):
        return "Fully Paid"
    return "Current"


# --- loading -----------------------------------------------------------------------------------
