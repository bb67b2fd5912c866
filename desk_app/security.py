"""Password hashing (argon2id), the chain key (HMAC) and keyed personal-data pseudonyms.

The chain key signs the case timelines and the audit log. It lives outside the database: beside the
desk server's ``server.toml`` on a server, beside ``config.toml`` on a PC working on its own file, in a
file only its owner may read, created on first use. Whoever can write the database but not read that
file cannot re-hash a chain so that ``desk-cli check`` passes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from desk_app.errors import UserError
from desk_app.i18n import _

_hasher = PasswordHasher()

#: Environment variable naming the chain key file (overrides the default place).
ENV_CHAIN_KEY = "DESK_CHAIN_KEY_FILE"
CHAIN_KEY_NAME = "chain.key"
KEY_BYTES = 32

_lock = threading.Lock()
_key_file: Path | None = None
_keys: dict[Path, bytes] = {}


class ChainKeyError(UserError):
    """The chain key file cannot be read or created, or is not private."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def use_chain_key_file(path: Path | None) -> None:
    """Use the key in ``path`` from now on (the desk server: beside server.toml); None restores the default."""
    global _key_file
    with _lock:
        _key_file = Path(path) if path is not None else None


def chain_key_file() -> Path:
    if _key_file is not None:
        return _key_file
    named = os.environ.get(ENV_CHAIN_KEY, "")
    if named:
        return Path(named)
    from desk_app.paths import user_config_dir

    return user_config_dir() / CHAIN_KEY_NAME


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(descriptor, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")


def chain_key() -> bytes:
    """The chain key, created (owner-only, 0600) on first use."""
    path = chain_key_file()
    with _lock:
        if path in _keys:
            return _keys[path]
        try:
            if not path.exists():
                _create(path)
            if os.name == "posix" and path.stat().st_mode & 0o077:
                raise ChainKeyError(_("The chain key file {path} may be read by others; make it readable by "
                                      "its owner only (chmod 600).").format(path=path))
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (OSError, ValueError) as exc:
            raise ChainKeyError(_("The chain key file {path} cannot be read or created: {error}").format(
                path=path, error=exc)) from exc
        if len(key) < 16:
            raise ChainKeyError(_("The chain key file {path} is damaged (too short).").format(path=path))
        _keys[path] = key
        return key


def forget_chain_keys() -> None:
    """Drop the keys read so far, so the next ``chain_key()`` reads its file again (after a key import)."""
    with _lock:
        _keys.clear()


def keyed_digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def personal_data_digest(value: str, key: bytes | None = None) -> str:
    """The form in which a personal-data value appears in timeline events (never the value itself), so
    anonymising a customer never breaks the hash chain. Keyed (HMAC with this office's chain key): a plain
    hash of an 11-digit phone or an 18-digit ID number is reversed by trying them all; without the key,
    nobody can. (Events written before keyed pseudonyms hold "sha256:…"; they stay as they were.)
    ``key``: the chain key, when the caller has it at hand (bulk writers: resolving it is most of the cost)."""
    return "hmac:" + keyed_digest(key or chain_key(), "pseudonym\x00" + value)[:16] if value else ""
