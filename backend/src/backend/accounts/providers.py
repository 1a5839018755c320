"""Sign-in behind one interface: Supabase Auth when configured, local accounts otherwise."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from backend.accounts.sessions import AuthUser, TokenPair
from backend.core.config import Settings
from backend.core.crypto import KeyRing


class AuthProvider(Protocol):
    name: str

    def register(self, session: Session, *, email: str, password: str) -> TokenPair: ...

    def login(
        self, session: Session, *, email: str, password: str, client_ip: str
    ) -> TokenPair: ...

    def refresh(self, session: Session, *, refresh_token: str) -> TokenPair: ...

    def logout(self, session: Session, *, user: AuthUser, access_token: str) -> None: ...

    def authenticate(self, session: Session, token: str) -> AuthUser: ...


def build_auth(
    settings: Settings, factory: sessionmaker[Session], keyring: KeyRing
) -> AuthProvider:
    if settings.supabase_url is not None and settings.supabase_anon_key is not None:
        from backend.accounts.supabase import SupabaseAuth

        return SupabaseAuth(
            factory, str(settings.supabase_url), settings.supabase_anon_key.get_secret_value()
        )
    from backend.accounts.local import SIGNING_PURPOSE, LocalAuth

    return LocalAuth(factory, keyring.derive(SIGNING_PURPOSE))
