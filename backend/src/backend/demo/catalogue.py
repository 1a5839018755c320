"""The demo loans database as people see it: its name, tables, columns and example questions.

Plain data, importable without generating anything (the API's examples route reads it).
"""

from __future__ import annotations

from dataclasses import dataclass

# Bump when the generator or the schema changes: loaders then replace the loaded copy.
GENERATOR_VERSION = 2
LOAN_COUNT = 50_000
DEMO_SCHEMA = "demo"
DEMO_READ_ROLE = "eaa_demo_reader"
SQLITE_FILE = "demo.sqlite"
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
