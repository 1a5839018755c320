"""A user's databases: what a pasted URL parses to, a test's outcome, a saved connection."""

from __future__ import annotations

from typing import Literal

from contract.base import ApiModel

SslMode = Literal["require", "prefer", "disable"]
SSL_MODES: tuple[SslMode, ...] = ("require", "prefer", "disable")


class ParsedConnection(ApiModel):
    dialect: str
    host: str
    port: int
    database: str
    username: str
    password: str | None  # masked ("••••") when one was given
    ssl_mode: SslMode
    display_url: str


class ConnectionTest(ApiModel):
    ok: bool
    dialect: str
    display_url: str
    table_count: int


class ConnectionTable(ApiModel):
    name: str
    enabled: bool
    row_estimate: int | None = None


UploadFormat = Literal["csv", "xlsx", "parquet"]


class UploadInfo(ApiModel):
    """What a connection made from an uploaded file was made from."""

    file_name: str
    file_format: UploadFormat
    file_bytes: int
    stored_bytes: int  # what its tables occupy, counted against the owner's allowance


class UploadUsage(ApiModel):
    used_bytes: int
    allowance_bytes: int
    max_file_bytes: int


class Connection(ApiModel):
    id: str
    name: str
    dialect: str
    ssl_mode: SslMode
    display_url: str
    created_at: str
    scanned_at: str | None
    tables: list[ConnectionTable]
    upload: UploadInfo | None = None  # set when the tables came from an uploaded file


class ConnectionList(ApiModel):
    items: list[Connection]
