"""Signed branch files: each branch signs its detail exports with its own Ed25519 key, and headquarters
accepts a file only with the signature of a branch whose public key it registered.

The signature covers the export's identity — its format, the SHA-256 of its records part (so every record
is covered), the signing branch, the branches and period in it, and when and by whom it was made. A record
changed after the export changes the records' SHA-256; a recomputed SHA-256 in the manifest breaks the
signature; a file from one branch relabelled as another's fails against the other's registered key.

The private key never leaves the office that signs: one PEM file per branch code in ``signing-keys/``
beside this PC's (or the desk server's) configuration, owner-only, made on the first export. Its public
key (32 bytes, base64) is what the branch sends to headquarters, compared by its fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.paths import private_dir
from desk_app.security import chain_key_file

KEY_FOLDER = "signing-keys"
#: Manifest rows written by ``signed_rows`` (the signature is over the others it names).
SIGNER = "signed_by_branch"
PUBLIC_KEY = "signing_public_key"
SIGNATURE = "signature"
#: The manifest fields the signature covers, in this order.
SIGNED_FIELDS = ("format", "format_version", "sha256", SIGNER, "branches", "all_branches", "period_from",
                 "period_to", "exported_at", "exported_by", "personal_data", "cases")


def key_folder() -> Path:
    """``signing-keys/`` beside the chain key: this PC's configuration folder, or beside ``server.toml`` on
    the desk server (whose chain key is there)."""
    return chain_key_file().parent / KEY_FOLDER


def key_file(branch_code: str, folder: Path | None = None) -> Path:
    safe = "".join(ch for ch in branch_code.upper() if ch.isalnum() or ch == "_")
    return (folder or key_folder()) / f"{safe}.pem"


def branch_key(branch_code: str, folder: Path | None = None) -> Ed25519PrivateKey:
    """This office's signing key for ``branch_code``, made (owner-only) the first time it is needed."""
    path = key_file(branch_code, folder)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValidationError(_("The signing key {path} is not an Ed25519 key.").format(path=path))
        return key
    key = Ed25519PrivateKey.generate()
    private_dir(path.parent)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as the branch sends it to headquarters: 32 bytes in base64."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key as pasted at headquarters (spaces and line breaks ignored); ValidationError if it is not
    one."""
    cleaned = "".join(text.split())
    try:
        raw = base64.b64decode(cleaned, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_("This is not a branch signing key: it is 44 characters of base64 (letters, "
                                "digits, + and /, ending in =), as the branch's administrator sees it."),
                              "signing_public_key") from exc


def fingerprint(public_key: str) -> str:
    """What two people compare on the telephone: SHA-256 of the key, first 16 bytes in groups."""
    digest = hashlib.sha256(base64.b64decode("".join(public_key.split()))).hexdigest().upper()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def _message(manifest: Mapping[str, object]) -> bytes:
    lines = ["complaint-desk signed export 1"]
    for name in SIGNED_FIELDS:
        value = manifest.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a number read back from the workbook
        lines.append(f"{name}={'' if value is None else value}")
    return "\n".join(lines).encode("utf-8")


def signed_rows(rows: list[tuple[str, str | int]], branch_code: str,
                folder: Path | None = None) -> list[tuple[str, str | int]]:
    """The manifest ``rows`` with the signer, its public key and the signature added."""
    key = branch_key(branch_code, folder)
    rows = [*rows, (SIGNER, branch_code), (PUBLIC_KEY, public_key_text(key))]
    signature = key.sign(_message(dict(rows)))
    return [*rows, (SIGNATURE, base64.b64encode(signature).decode("ascii"))]


def verify(manifest: Mapping[str, object], registered_key: str) -> bool:
    """True when ``manifest`` carries a valid signature by the holder of ``registered_key``."""
    signature = manifest.get(SIGNATURE)
    if not isinstance(signature, str):
        return False
    try:
        parse_public_key(registered_key).verify(base64.b64decode(signature, validate=True), _message(manifest))
    except (InvalidSignature, binascii.Error, ValueError, ValidationError):
        return False
    return True
