"""Request bodies of the account routes (responses live in the shared contract)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Credentials(BaseModel):
    email: EmailStr = Field(max_length=320)
    password: Password

    @property
    def normalized_email(self) -> str:
        return str(self.email).strip().lower()


class RefreshBody(BaseModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
