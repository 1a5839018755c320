"""Keys made fresh for each test session; nothing secret is committed."""

import base64
import secrets


def new_encryption_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
