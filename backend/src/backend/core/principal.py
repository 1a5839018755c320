"""Who is asking: a signed-in user, or an anonymous visitor known by browser id and address."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: str | None
    anon_id: str | None
    client_ip: str

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None
