"""Backend settings, read once from the environment and validated before anything starts.

Every variable of the product is declared here, so a typo in a deploy is caught at start-up with
one line naming the setting instead of a traceback later. Secrets are ``SecretStr`` and the error
formatter never prints input values.
"""

from __future__ import annotations

import base64
import binascii
import enum
import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it and never includes its value."""


class LogLevel(enum.StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class StructuredOutput(enum.StrEnum):
    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    NONE = "none"


_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}
# Hard ceilings of the configurable lengths: request bodies are refused beyond them before any
# setting is consulted, and the SQL guard never parses more (parsing cost grows with length).
QUESTION_CHARS_CEILING = 20_000
SQL_CHARS_CEILING = 100_000


def normalize_database_url(raw: str) -> str:
    """Turn a Railway/Heroku style URL into the SQLAlchemy URL for psycopg 3.

    Railway injects ``postgresql://`` (older platforms ``postgres://``); SQLAlchemy would pick
    psycopg2 for both, which we do not ship.
    """
    parts = urlsplit(raw.strip())
    scheme = parts.scheme.lower()
    if scheme in _POSTGRES_SCHEMES:
        if not (parts.hostname or "host=" in parts.query) or not parts.path.strip("/"):
            raise ValueError("a PostgreSQL URL needs a host and a database name")
        return "postgresql+psycopg://" + raw.strip().split("://", 1)[1]
    if scheme == "sqlite":
        return raw.strip()
    raise ValueError("must be a postgresql:// (or postgres://) URL")


def decode_key(text: str) -> bytes:
    """Decode one url-safe base64 key and insist on exactly 32 bytes (AES-256)."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValueError(
            "must be url-safe base64 (generate one with `python -m backend new-key`)"
        ) from None
    if len(key) != 32:
        raise ValueError(
            "must decode to exactly 32 bytes (generate one with `python -m backend new-key`)"
        )
    return key


class Settings(BaseSettings):
    """All backend settings. Field names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=None, case_sensitive=False, extra="ignore", frozen=True, hide_input_in_errors=True
    )

    # Where the app keeps its own data.
    database_url: str | None = None
    data_dir: Path = Path("data")

    # HTTP server.
    api_host: str = "127.0.0.1"
    port: int = Field(
        default=8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "API_PORT")
    )
    cors_origins: Annotated[list[str], NoDecode] = [
        "http://localhost:7860",
        "http://127.0.0.1:7860",
    ]
    log_level: LogLevel = LogLevel.INFO
    app_env: Environment = Environment.DEVELOPMENT
    shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=300)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Slow clients: a request's headers, then its body, must arrive within these deadlines.
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Peers whose X-Forwarded-For is believed: the frontend, which forwards each visitor's
    # address. Anyone else could forge the header and dodge per-address limits.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = ["127.0.0.1", "::1"]
    commit_sha: str | None = Field(
        default=None, validation_alias=AliasChoices("RAILWAY_GIT_COMMIT_SHA", "COMMIT_SHA")
    )

    # LLM (OpenAI or any OpenAI-compatible endpoint). Without a key the offline engine answers.
    openai_api_key: SecretStr | None = None
    openai_base_url: HttpUrl | None = None
    openai_model: str = "gpt-4o-mini"
    openai_transcribe_model: str = "whisper-1"
    openai_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    openai_max_retries: int = Field(default=2, ge=0, le=10)
    # How the answer's JSON shape is asked for; auto falls back on servers that refuse
    # json_schema (llama-cpp-python) and remembers what worked per endpoint.
    openai_structured_output: StructuredOutput = StructuredOutput.AUTO
    # Chat templates without a system role (Gemma): the instructions open the first user turn.
    openai_fold_system_prompt: bool = False
    llm_max_repairs: int = Field(default=2, ge=0, le=5)
    # Output bounds per call kind: a model stuck inside a JSON string stops here.
    llm_sql_max_tokens: int = Field(default=700, ge=64, le=32_000)
    llm_insights_max_tokens: int = Field(default=400, ge=32, le=32_000)
    # Wall-clock budget for every model call of one question together (draft, repairs,
    # insights); below the frontend's 60 s wait, leaving room for running the SQL.
    llm_budget_seconds: float = Field(default=40.0, gt=0, le=600)

    # Auth: Supabase when both are set, local accounts otherwise.
    supabase_url: HttpUrl | None = None
    supabase_anon_key: SecretStr | None = None

    # Credentials at rest: comma-separated url-safe base64 32-byte keys; the first encrypts.
    encryption_key: SecretStr | None = None
    # Let users connect databases on loopback/private addresses or unix sockets. Off by default:
    # on a shared server those reach the operator's own network (development and tests only).
    connections_allow_private_hosts: bool = False

    # Query execution.
    query_row_cap: int = Field(default=5000, ge=1, le=1_000_000)
    query_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    csv_row_cap: int = Field(default=100_000, ge=1, le=10_000_000)
    # Results are capped in bytes as they are fetched, not only in rows: one long text value is
    # cut to a cell's share, and the whole result stops at its total (reported as truncated).
    query_max_cell_bytes: int = Field(default=10_000, ge=100, le=10_000_000)
    query_max_result_bytes: int = Field(default=5_000_000, ge=10_000, le=500_000_000)
    csv_max_bytes: int = Field(default=50_000_000, ge=10_000, le=2_000_000_000)
    # Work against queried databases: the longest one request may hold a connection (enforced
    # client-side, against databases that stop answering), how many such operations may
    # run at once in the process and on one database, and how many more may wait for a slot
    # and for how long (then 503). The wait stays small beside the frontend's 60 s wait:
    # LLM_BUDGET_SECONDS + QUERY_TIMEOUT_SECONDS + this is 58 s on the defaults.
    user_db_hold_seconds: float = Field(default=60.0, ge=1, le=3600)
    user_db_max_concurrent: int = Field(default=16, ge=1, le=1000)
    target_max_concurrent: int = Field(default=5, ge=1, le=100)
    user_db_max_queued: int = Field(default=64, ge=0, le=1000)
    user_db_queue_timeout_seconds: float = Field(default=3.0, ge=0, le=30)
    max_question_chars: int = Field(default=1000, ge=10, le=QUESTION_CHARS_CEILING)
    max_sql_chars: int = Field(default=20_000, ge=100, le=SQL_CHARS_CEILING)
    # Earlier turns of a conversation a follow-up is read with (both engines see the same).
    conversation_turns: int = Field(default=10, ge=1, le=50)

    # Freemium.
    free_monthly_quota: int = Field(default=100, ge=0)
    anonymous_free_questions: int = Field(default=1, ge=0)
    max_connections_per_user: int = Field(default=20, ge=1, le=1000)
    # Spreadsheet uploads: the largest file accepted (counted while the body streams in), and
    # what one user's uploads may occupy once loaded as tables (measured where they are stored).
    upload_max_bytes: int = Field(default=10_000_000, ge=1024, le=1_000_000_000)
    upload_allowance_bytes: int = Field(default=100_000_000, ge=1024, le=1_000_000_000_000)

    # Request rate limits per minute, shared by all replicas (0 turns a limit off). The address
    # limit covers everyone behind one address, e.g. the frontend server, so it is the larger.
    rate_limit_per_minute: int = Field(default=600, ge=0, le=1_000_000)
    rate_limit_user_per_minute: int = Field(default=60, ge=0, le=1_000_000)

    @field_validator("database_url", mode="before")
    @classmethod
    def _normalize_database_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string")
        return normalize_database_url(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            origins = [item.strip().rstrip("/") for item in value.split(",") if item.strip()]
            for origin in origins:
                parts = urlsplit(origin)
                if parts.scheme not in {"http", "https"} or not parts.netloc:
                    raise ValueError("must be a comma-separated list of http(s) origins")
            return origins
        return value

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            entries = [item.strip() for item in value.split(",") if item.strip()]
            for entry in entries:
                if entry == "*":
                    continue
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(
                        "must be a comma-separated list of IP addresses or networks (or *)"
                    ) from None
            return entries
        return value

    @field_validator("encryption_key", mode="after")
    @classmethod
    def _check_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            keys = [item for item in value.get_secret_value().split(",") if item.strip()]
            if not keys:
                raise ValueError("is empty")
            for key in keys:
                decode_key(key)
        return value

    @model_validator(mode="after")
    def _check_pairs(self) -> Settings:
        if (self.supabase_url is None) != (self.supabase_anon_key is None):
            raise ValueError(
                "SUPABASE_URL and SUPABASE_ANON_KEY must be set together "
                "(or neither, for local accounts)"
            )
        if (
            self.database_url
            and self.database_url.startswith("postgresql")
            and not self.encryption_key
        ):
            raise ValueError("ENCRYPTION_KEY is required when DATABASE_URL points at PostgreSQL")
        return self

    @property
    def embedded(self) -> bool:
        """True when no DATABASE_URL is given: SQLite files in ``data_dir`` stand in."""
        return self.database_url is None

    @cached_property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'app.sqlite').resolve()}"

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None

    @property
    def supabase_enabled(self) -> bool:
        return self.supabase_url is not None


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each broken setting and what is wrong, without the offending value."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = "/".join(str(part) for part in item["loc"]).upper() or "settings"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}" if item["loc"] else message)
    return "invalid setting " + "; ".join(problems)


def load_settings() -> Settings:
    """Read the environment once; raise ``SettingsError`` with a one-line, secret-free message."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
