"""Credentials at rest: AES-256-GCM in a versioned format, each ciphertext bound to its row.

Layout of a sealed value: ``b"v1" | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag``.
The key id (a hash prefix of the key, never the key) says which of several configured keys
sealed it, so keys can be rotated: the first key of ``ENCRYPTION_KEY`` seals, every listed key
opens. The caller's ``context`` (e.g. owner id + connection id) is authenticated as associated
data, so copying a ciphertext into another user's row makes it fail to open.

With no ``ENCRYPTION_KEY`` in embedded mode a key is generated once into
``<DATA_DIR>/encryption.key`` (mode 0600) so a fresh machine needs no setup.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.core.config import Settings, decode_key

VERSION = b"v1"
KEY_ID_BYTES = 4
NONCE_BYTES = 12
_HEADER = len(VERSION) + KEY_ID_BYTES + NONCE_BYTES
KEY_FILE_NAME = "encryption.key"


class DecryptionFailed(Exception):
    """The value was tampered with, bound to another row, or sealed by a key we don't hold."""


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"eaa key id\x00" + key).digest()[:KEY_ID_BYTES]


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[bytes, ...]

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        keys = tuple(decode_key(item) for item in text.split(",") if item.strip())
        if not keys:
            raise ValueError("no encryption key given")
        return cls(keys)

    @property
    def primary_id(self) -> bytes:
        return key_id(self.keys[0])

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, plaintext, VERSION + context)
        return VERSION + self.primary_id + nonce + sealed

    def open(self, blob: bytes, *, context: bytes) -> bytes:
        if len(blob) <= _HEADER or not blob.startswith(VERSION):
            raise DecryptionFailed("unknown ciphertext format")
        wanted = blob[len(VERSION) : len(VERSION) + KEY_ID_BYTES]
        nonce = blob[len(VERSION) + KEY_ID_BYTES : _HEADER]
        for key in self.keys:
            if key_id(key) == wanted:
                try:
                    return AESGCM(key).decrypt(nonce, blob[_HEADER:], VERSION + context)
                except InvalidTag:
                    raise DecryptionFailed("ciphertext does not verify") from None
        raise DecryptionFailed("sealed by a key that is not configured")

    def is_current(self, blob: bytes) -> bool:
        """True when ``blob`` is already sealed under the first (encrypting) key."""
        return blob[len(VERSION) : len(VERSION) + KEY_ID_BYTES] == self.primary_id

    def derive(self, purpose: str) -> bytes:
        """A 32-byte subkey for ``purpose`` (e.g. token signing), so no extra secret is needed."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self.keys[0])


def _embedded_key(data_dir: Path) -> str:
    """Read or create (atomically, 0600) the generated key of an embedded install."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE_NAME
    fresh = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(fresh + "\n")
    return fresh


def load_keyring(settings: Settings) -> KeyRing:
    if settings.encryption_key is not None:
        return KeyRing.parse(settings.encryption_key.get_secret_value())
    return KeyRing.parse(_embedded_key(settings.data_dir))
