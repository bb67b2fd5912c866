"""Password hashing (argon2id) and personal-data hashing for the audit chain."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def personal_data_digest(value: str) -> str:
    """The form in which a personal-data value appears in timeline events (never the value itself),
    so anonymising a customer never breaks the hash chain."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16] if value else ""
