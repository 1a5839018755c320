"""Sealed credentials: tampering, row binding and key rotation (the crypto module directly).

Contract: services.crypto's versioned AES-256-GCM format, b"v1" | key id | nonce | ciphertext.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from backend.core.config import Settings
from backend.core.crypto import DecryptionFailed, KeyRing, load_keyring
from devkit.keys import new_encryption_key

CONTEXT = b"connection\x00user-a\x00conn-1"


def test_round_trip_and_every_tampered_byte_is_rejected() -> None:
    ring = KeyRing.parse(new_encryption_key())
    blob = ring.seal(b"postgresql://u:secret@h/db", context=CONTEXT)
    assert blob.startswith(b"v1")
    assert b"secret" not in blob
    assert ring.open(blob, context=CONTEXT) == b"postgresql://u:secret@h/db"
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(DecryptionFailed):
            ring.open(bytes(tampered), context=CONTEXT)
    with pytest.raises(DecryptionFailed):
        ring.open(blob[:-1], context=CONTEXT)


def test_a_ciphertext_moved_to_another_row_does_not_open() -> None:
    ring = KeyRing.parse(new_encryption_key())
    blob = ring.seal(b"credentials", context=CONTEXT)
    with pytest.raises(DecryptionFailed):
        ring.open(blob, context=b"connection\x00user-b\x00conn-1")
    with pytest.raises(DecryptionFailed):
        ring.open(blob, context=b"connection\x00user-a\x00conn-2")


def test_rotated_keys_open_old_rows_and_the_first_key_seals() -> None:
    old, new = new_encryption_key(), new_encryption_key()
    old_blob = KeyRing.parse(old).seal(b"credentials", context=CONTEXT)
    rotated = KeyRing.parse(f"{new},{old}")
    assert rotated.open(old_blob, context=CONTEXT) == b"credentials"
    assert not rotated.is_current(old_blob)
    fresh = rotated.seal(b"credentials", context=CONTEXT)
    assert rotated.is_current(fresh)
    assert KeyRing.parse(new).open(fresh, context=CONTEXT) == b"credentials"
    with pytest.raises(DecryptionFailed):
        KeyRing.parse(new).open(old_blob, context=CONTEXT)


def test_derived_subkeys_depend_on_purpose_and_key() -> None:
    key = new_encryption_key()
    ring = KeyRing.parse(key)
    assert ring.derive("a") != ring.derive("b")
    assert ring.derive("a") != KeyRing.parse(new_encryption_key()).derive("a")
    assert ring.derive("a") != base64.urlsafe_b64decode(key)


def test_embedded_mode_generates_one_private_key_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = load_keyring(settings)
    second = load_keyring(settings)
    key_file = tmp_path / "data" / "encryption.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first == second
