"""The key archive: this office's chain key and branch signing keys in one passphrase-protected file.

Neither key is in the database or its backups, on purpose: whoever holds the chain key can re-hash a
timeline, and whoever holds a signing key can sign as the branch. So a backup restored on a replacement PC
(or desk server) needs the keys brought over separately, or every timeline check fails and headquarters
refuses the branch's files. ``desk-cli keys export`` writes them into one file sealed with the operator's
passphrase, kept apart from the backups (a safe, a second medium); ``desk-cli keys import`` puts them back.

Sealing: scrypt (n=2**15, r=8, p=1; from ``cryptography``) turns the passphrase into a 256-bit key for
AES-GCM, which both hides and authenticates the contents (a wrong passphrase or a changed byte fails the
same way). The format name and version are the authenticated associated data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.paths import private_dir
from desk_app.security import chain_key_file, forget_chain_keys
from desk_app.signing import key_folder

FORMAT = "complaint-desk-key-archive"
VERSION = 1
MIN_PASSPHRASE = 12
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1
#: Far above any real archive (a chain key and a few PEM files): a larger file is not one.
_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class KeyArchiveInfo:
    chain_key: str
    """The chain key's fingerprint (not the key)."""
    branches: tuple[str, ...]
    """The branch codes whose signing keys the archive holds."""


def fingerprint(key: bytes) -> str:
    """A short public name for a secret key (a hash of it; reveals nothing usable)."""
    digest = hashlib.sha256(b"complaint-desk key fingerprint\0" + key).hexdigest()[:16]
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def _aad() -> bytes:
    return f"{FORMAT}/{VERSION}".encode("ascii")


def _sealing_key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(passphrase.encode("utf-8"))


def _signing_folder(folder: Path | None) -> Path:
    return folder if folder is not None else key_folder()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new owner-only file (0600) in an owner-only folder."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(data)


def export_keys(target: Path, passphrase: str, *, chain_key_path: Path | None = None,
                signing_folder: Path | None = None) -> KeyArchiveInfo:
    """Write the archive to ``target`` (a new file; an existing one is not overwritten)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(_("The passphrase must be at least {n} characters long.").format(n=MIN_PASSPHRASE))
    key_path = chain_key_path or chain_key_file()
    try:
        chain_hex = key_path.read_text(encoding="ascii").strip()
        bytes.fromhex(chain_hex)
    except (OSError, ValueError) as exc:
        raise ValidationError(_("There is no readable chain key at {path}: {error}").format(
            path=key_path, error=exc)) from exc
    folder = _signing_folder(signing_folder)
    signing = {pem.stem: pem.read_text(encoding="ascii") for pem in sorted(folder.glob("*.pem"))} \
        if folder.is_dir() else {}
    body = json.dumps({"chain_key": chain_hex, "signing_keys": signing}).encode("utf-8")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(_sealing_key(passphrase, salt)).encrypt(nonce, body, _aad())
    document = {"format": FORMAT, "version": VERSION, "kdf": {"name": "scrypt", "n": _SCRYPT_N, "r": _SCRYPT_R,
                                                              "p": _SCRYPT_P},
                "salt": base64.b64encode(salt).decode("ascii"), "nonce": base64.b64encode(nonce).decode("ascii"),
                "sealed": base64.b64encode(sealed).decode("ascii")}
    if target.exists():
        raise ValidationError(_("{path} already exists; choose a new file name.").format(path=target))
    _write_private(target, json.dumps(document, indent=1).encode("ascii"))
    return KeyArchiveInfo(fingerprint(bytes.fromhex(chain_hex)), tuple(signing))


def _open(path: Path, passphrase: str) -> tuple[str, dict[str, str]]:
    not_archive = _("{path} is not a Complaint Desk key archive.").format(path=path)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise ValidationError(not_archive)
        document = json.loads(path.read_bytes())
        if document.get("format") != FORMAT:
            raise ValidationError(not_archive)
        if document.get("version") != VERSION:
            raise ValidationError(_("The key archive {path} is from another program version (format {version}).")
                                  .format(path=path, version=document.get("version")))
        salt, nonce, sealed = (base64.b64decode(document[name], validate=True) for name in ("salt", "nonce", "sealed"))
    except ValidationError:
        raise
    except OSError as exc:
        raise ValidationError(_("The key archive {path} cannot be read: {error}").format(path=path, error=exc)) from exc
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise ValidationError(not_archive) from exc
    try:
        body = AESGCM(_sealing_key(passphrase, salt)).decrypt(nonce, sealed, _aad())
    except (InvalidTag, ValueError) as exc:
        raise ValidationError(_("Wrong passphrase, or the key archive {path} has been changed.").format(
            path=path)) from exc
    contents = json.loads(body)
    chain_hex = str(contents["chain_key"])
    signing = {str(code): str(pem) for code, pem in dict(contents["signing_keys"]).items()}
    return chain_hex, signing


def read_keys(path: Path, passphrase: str) -> KeyArchiveInfo:
    """What the archive holds, without installing anything."""
    chain_hex, signing = _open(path, passphrase)
    return KeyArchiveInfo(fingerprint(bytes.fromhex(chain_hex)), tuple(signing))


def import_keys(path: Path, passphrase: str, *, replace: bool = False, chain_key_path: Path | None = None,
                signing_folder: Path | None = None, now: datetime | None = None) -> KeyArchiveInfo:
    """Install the archive's keys. A key already here that differs is kept unless ``replace``; then it is
    renamed aside (``….replaced-YYYYmmdd-HHMMSS``), never deleted. All conflicts are found before anything
    is written."""
    chain_hex, signing = _open(path, passphrase)
    key_path = chain_key_path or chain_key_file()
    folder = _signing_folder(signing_folder)
    wanted: list[tuple[Path, bytes]] = [(key_path, (chain_hex + "\n").encode("ascii"))]
    wanted += [(folder / f"{code}.pem", pem.encode("ascii")) for code, pem in signing.items()]
    to_write: list[tuple[Path, bytes]] = []
    conflicts: list[Path] = []
    for target, data in wanted:
        if target.exists():
            if target.read_bytes().strip() == data.strip():
                continue
            conflicts.append(target)
        to_write.append((target, data))
    if conflicts and not replace:
        raise ValidationError(_("This installation already has other keys in {paths}. Keeping them; to put the "
                                "archive's keys in their place (the present ones are kept beside them), import "
                                "with --replace.").format(paths=", ".join(str(p) for p in conflicts)))
    stamp = f"{(now or datetime.now()):%Y%m%d-%H%M%S}"
    for target in conflicts:
        target.rename(target.with_name(f"{target.name}.replaced-{stamp}"))
    for target, data in to_write:
        _write_private(target, data)
    forget_chain_keys()
    return KeyArchiveInfo(fingerprint(bytes.fromhex(chain_hex)), tuple(signing))
