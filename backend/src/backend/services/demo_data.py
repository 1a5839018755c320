"""The demo database: a deterministic loans dataset in the spirit of Lending Club, and its loaders.

Generated locally from a fixed seed (no download, no numpy), so every install and every test sees
the same rows. Distributions follow the public Lending Club data in shape: most loans are grades
B–C, worse grades carry higher rates, longer terms and more defaults, and the amount borrowed grows
with income. Loaded into its own PostgreSQL schema (readable by a role that can only SELECT) or
into a separate SQLite file; a version marker makes loading idempotent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import logging
import math
import os
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

SEED = 20_240_101
# Bump when the generator or the schema changes: loaders then replace the loaded copy.
GENERATOR_VERSION = 2
LOAN_COUNT = 50_000
DEMO_SCHEMA = "demo"
DEMO_READ_ROLE = "eaa_demo_reader"
SQLITE_FILE = "demo.sqlite"
AS_OF = dt.date(2024, 9, 30)  # the dataset's "today": statuses are as of this date
FIRST_MONTH = dt.date(2019, 1, 1)
LAST_MONTH = dt.date(2024, 6, 1)

DEMO_NAME = "Demo: consumer loans"
DEMO_DESCRIPTION = (
    "About 50,000 personal loans issued from January 2019 to June 2024 by a fictional "
    "peer-to-peer lender, modelled on the public Lending Club data: amount, term, interest rate, "
    "grade, purpose, status (including charged-off and defaulted loans), issue date and the "
    "borrower's income, employment length, home ownership and state. Generated, not real people."
)
TABLE_DESCRIPTIONS = {
    "borrowers": (
        "One row per borrower: US state, annual income, employment length and home ownership."
    ),
    "loans": (
        "One row per loan: issue date, amount, term, interest rate, grade and sub-grade, purpose, "
        "debt-to-income ratio, verification, status (Fully Paid, Current, Late, Default, "
        "Charged Off) and is_default; borrower_id links to borrowers."
    ),
}
EXAMPLE_QUESTIONS = (
    "What is the default rate by grade?",
    "Top 10 states by average loan amount",
    "Monthly loan volume in 2023",
    "How many loans per purpose?",
    "What is the average interest rate by grade?",
    "Total loan amount by year",
    "How many loans are charged off?",
    "Average annual income by home ownership",
    "Default rate by term",
    "Average debt-to-income ratio by grade",
    "Top 5 purposes by total loan amount",
    "How many loans per verification status?",
    "Quarterly loan volume in 2022",
    "Average loan amount by employment length",
)

# What people call the demo's columns and values where the data spells them otherwise; the
# offline engine links these words on the demo's own tables only (engines/offline/vocabulary.py).
COLUMN_NAMES = {"loans.dti": ("debt to income", "debt to income ratio")}
_STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND",
    "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}  # fmt: skip
_DEFAULTED = ("Default", "Charged Off")
_LATE = ("Late (16-30 days)", "Late (31-120 days)", "In Grace Period")
VALUE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "borrowers.state": {name: (code,) for name, code in _STATE_NAMES.items()},
    "loans.loan_status": {
        "default": _DEFAULTED,
        "defaulted": _DEFAULTED,
        "late": _LATE,
        "delinquent": _LATE,
        "paid off": ("Fully Paid",),
        "repaid": ("Fully Paid",),
    },
}

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
class Column:
    name: str
    postgres: str
    sqlite: str
    description: str


BORROWER_COLUMNS = (
    Column("borrower_id", "integer PRIMARY KEY", "INTEGER PRIMARY KEY", "borrower number"),
    Column("state", "char(2) NOT NULL", "TEXT NOT NULL", "US state (two-letter code)"),
    Column("annual_income", "numeric(12,2) NOT NULL", "REAL NOT NULL", "yearly income, USD"),
    Column("emp_length", "text", "TEXT", "years in current job ('< 1 year' … '10+ years')"),
    Column("home_ownership", "text NOT NULL", "TEXT NOT NULL", "MORTGAGE, RENT, OWN or OTHER"),
)
LOAN_COLUMNS = (
    Column("loan_id", "integer PRIMARY KEY", "INTEGER PRIMARY KEY", "loan number"),
    Column(
        "borrower_id",
        f"integer NOT NULL REFERENCES {DEMO_SCHEMA}.borrowers (borrower_id)",
        "INTEGER NOT NULL REFERENCES borrowers (borrower_id)",
        "the borrower (borrowers.borrower_id)",
    ),
    Column("issue_date", "date NOT NULL", "DATE NOT NULL", "date the loan was issued"),
    Column("loan_amount", "numeric(10,2) NOT NULL", "REAL NOT NULL", "amount lent, USD"),
    Column("term", "integer NOT NULL", "INTEGER NOT NULL", "term in months: 36 or 60"),
    Column("interest_rate", "numeric(5,2) NOT NULL", "REAL NOT NULL", "yearly rate, percent"),
    Column("installment", "numeric(10,2) NOT NULL", "REAL NOT NULL", "monthly payment, USD"),
    Column("grade", "char(1) NOT NULL", "TEXT NOT NULL", "credit grade A (best) to G"),
    Column("sub_grade", "char(2) NOT NULL", "TEXT NOT NULL", "A1 … G5"),
    Column("purpose", "text NOT NULL", "TEXT NOT NULL", "what the loan is for"),
    Column("dti", "numeric(5,2) NOT NULL", "REAL NOT NULL", "debt-to-income ratio, percent"),
    Column(
        "verification_status",
        "text NOT NULL",
        "TEXT NOT NULL",
        "income check: Verified, Source Verified or Not Verified",
    ),
    Column("loan_status", "text NOT NULL", "TEXT NOT NULL", "Fully Paid, Current, Late…"),
    Column(
        "is_default",
        "boolean NOT NULL",
        "BOOLEAN NOT NULL",
        "true when the loan is Charged Off or in Default",
    ),
)
TABLES: dict[str, tuple[Column, ...]] = {"borrowers": BORROWER_COLUMNS, "loans": LOAN_COLUMNS}


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


@dataclass(frozen=True)
class LoadReport:
    loaded: bool  # False when the same version was already there
    seconds: float
    loans: int
    target: str
    read_role: str | None = None


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


def _marker() -> str:
    return f"eaa-demo v{GENERATOR_VERSION} seed {SEED} loans {LOAN_COUNT}"


def sqlite_path(data_dir: Path) -> Path:
    return data_dir / SQLITE_FILE


def sqlite_is_current(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return False
    return int(version) == GENERATOR_VERSION


def load_sqlite(data_dir: Path, *, dataset: DemoDataset | None = None) -> LoadReport:
    """Write ``demo.sqlite`` next to the app database; swap it in atomically when complete."""
    started = time.perf_counter()
    path = sqlite_path(data_dir)
    if sqlite_is_current(path):
        return LoadReport(False, time.perf_counter() - started, LOAN_COUNT, str(path))
    data_dir.mkdir(parents=True, exist_ok=True)
    dataset = dataset or generate()
    # A private name per writer: two processes starting together never share a half-written file.
    partial = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.partial")
    conn = sqlite3.connect(partial)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        for name, columns in TABLES.items():
            spec = ", ".join(f"{c.name} {c.sqlite}" for c in columns)
            conn.execute(f"CREATE TABLE {name} ({spec})")
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"INSERT INTO {name} VALUES ({marks})", _sqlite_rows(dataset.rows(name))
            )
        for statement in _index_statements(schema=None):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {GENERATOR_VERSION}")
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    partial.replace(path)
    return LoadReport(True, time.perf_counter() - started, len(dataset.loans), str(path))


def _sqlite_rows(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    # Dates as ISO text (SQLite's own date functions read them); booleans as 0/1.
    for row in rows:
        yield tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)


def _index_statements(schema: str | None) -> list[str]:
    prefix = f"{schema}." if schema else ""
    return [
        f"CREATE INDEX loans_borrower_idx ON {prefix}loans (borrower_id)",
        f"CREATE INDEX loans_issue_date_idx ON {prefix}loans (issue_date)",
        f"CREATE INDEX loans_grade_idx ON {prefix}loans (grade)",
    ]


def postgres_is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        marker = conn.exec_driver_sql(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
            (DEMO_SCHEMA,),
        ).scalar()
    return marker == _marker()


def load_postgres(engine: Engine, *, dataset: DemoDataset | None = None) -> LoadReport:
    """(Re)create schema ``demo`` with the data, readable by the read-only role.

    One transaction under an advisory lock, so replicas starting together load it once and a
    reader never sees a half-loaded schema. The schema's comment carries the version marker.
    """
    import psycopg
    from psycopg import sql

    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, psycopg.Connection)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('eaa-demo-load'))")
            marker = conn.execute(
                "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
                (DEMO_SCHEMA,),
            ).fetchone()
            if marker is not None and marker[0] == _marker():
                role = _reader_role_usable(conn)
                return LoadReport(
                    False, time.perf_counter() - started, LOAN_COUNT, "postgres", role
                )
            dataset = dataset or generate()
            schema = sql.Identifier(DEMO_SCHEMA)
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
            conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema))
            for name, columns in TABLES.items():
                spec = ", ".join(f"{c.name} {c.postgres}" for c in columns)
                conn.execute(f"CREATE TABLE {DEMO_SCHEMA}.{name} ({spec})")
                names = ", ".join(c.name for c in columns)
                copy = f"COPY {DEMO_SCHEMA}.{name} ({names}) FROM STDIN"
                with conn.cursor().copy(copy) as writer:
                    for row in dataset.rows(name):
                        writer.write_row(row)
            for statement in _index_statements(DEMO_SCHEMA):
                conn.execute(statement)
            conn.execute(
                sql.SQL("COMMENT ON SCHEMA {} IS {}").format(schema, sql.Literal(_marker()))
            )
            conn.execute(f"ANALYZE {DEMO_SCHEMA}.borrowers")
            conn.execute(f"ANALYZE {DEMO_SCHEMA}.loans")
            role = _grant_reader(conn)
    finally:
        raw.close()
    return LoadReport(True, time.perf_counter() - started, len(dataset.loans), "postgres", role)


def _grant_reader(conn: Any) -> str | None:
    """Create the NOLOGIN role that may only read the demo, and let the app switch to it.

    Without the right to create roles this logs a warning and returns None: the guard and the
    READ ONLY transaction still stand.
    """
    from psycopg import errors, sql

    role = sql.Identifier(DEMO_READ_ROLE)
    schema = sql.Identifier(DEMO_SCHEMA)
    try:
        with conn.transaction():
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (DEMO_READ_ROLE,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
            conn.execute(
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role)
            )
            member = conn.execute(
                "SELECT pg_has_role(current_user, %s, 'MEMBER')", (DEMO_READ_ROLE,)
            ).fetchone()
            if not (member and member[0]):
                conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
    except (errors.InsufficientPrivilege, errors.DuplicateObject) as error:
        log.warning(
            "demo read-only role %s unavailable (%s); relying on the SQL guard and read-only "
            "transactions",
            DEMO_READ_ROLE,
            type(error).__name__,
        )
        return None
    return _reader_role_usable(conn)


def _reader_role_usable(conn: Any) -> str | None:
    """The read-only role's name when this login may switch to it and it can read the demo."""
    tables = [f"{DEMO_SCHEMA}.{name}" for name in TABLES]
    can_read = " ".join("AND has_table_privilege(r.oid, %s, 'SELECT')" for _ in tables)
    row = conn.execute(
        "SELECT pg_has_role(current_user, r.oid, 'MEMBER') "
        f"AND has_schema_privilege(r.oid, %s, 'USAGE') {can_read} "
        "FROM pg_roles r WHERE r.rolname = %s",
        (DEMO_SCHEMA, *tables, DEMO_READ_ROLE),
    ).fetchone()
    return DEMO_READ_ROLE if row and row[0] else None
