"""Request bodies of the connection routes (responses live in the shared contract)."""

from __future__ import annotations

from typing import Annotated

from contract.connections import SslMode
from pydantic import BaseModel, Field, StringConstraints


class Source(BaseModel):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    env_text: Annotated[str, StringConstraints(min_length=1, max_length=16_384)] | None = None
    ssl_mode: SslMode | None = None


class NewConnection(Source):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class EnabledTables(BaseModel):
    enabled: list[Annotated[str, StringConstraints(max_length=255)]] = Field(max_length=10_000)
