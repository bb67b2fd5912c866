"""``desk-cli keys export|import|show``: the office's chain and signing keys in a passphrase-protected
archive (``desk_app.key_archive``), for the day a PC or desk server is replaced and a backup restored.

On a desk server, name its chain key, ``--chain-key /etc/complaint-desk/chain.key`` (beside
``server.toml``); the signing keys are found beside it (``--signing-keys`` names another folder). The
passphrase is asked twice on export, or read from the environment variable named by ``--passphrase-env``
for a scripted run (never from the command line, which other users of the machine can see).
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from desk_app import key_archive
from desk_app.errors import ValidationError
from desk_app.i18n import _


def _passphrase(args: argparse.Namespace, twice: bool) -> str:
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise ValidationError(_("The environment variable {name} holds no passphrase.").format(
                name=args.passphrase_env))
        return value
    first = getpass.getpass(_("Passphrase of the key archive: "))
    if twice and getpass.getpass(_("Again: ")) != first:
        raise ValidationError(_("The two passphrases differ."))
    return first


def _paths(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """The chain key file and the signing keys folder named on the command line (None: this PC's)."""
    return (Path(args.chain_key) if args.chain_key else None,
            Path(args.signing_keys) if args.signing_keys else None)


def _describe(info: key_archive.KeyArchiveInfo) -> str:
    branches = ", ".join(info.branches) or _("none")
    return _("chain key {fingerprint}; signing keys of branches: {branches}").format(
        fingerprint=info.chain_key, branches=branches)


def cmd_keys(args: argparse.Namespace) -> int:
    path = Path(args.archive)
    chain_key_path, signing_folder = _paths(args)
    if args.action == "export":
        info = key_archive.export_keys(path, _passphrase(args, twice=True), chain_key_path=chain_key_path,
                                       signing_folder=signing_folder)
        print(_("Key archive written: {path} ({what}). Keep it apart from the backups, with its passphrase "
                "in another place.").format(path=path, what=_describe(info)))
    elif args.action == "show":
        print(_describe(key_archive.read_keys(path, _passphrase(args, twice=False))))
    else:
        info = key_archive.import_keys(path, _passphrase(args, twice=False), replace=args.replace,
                                       chain_key_path=chain_key_path, signing_folder=signing_folder)
        print(_("Keys installed ({what}). Run 'desk-cli check' to see the timelines verify.").format(
            what=_describe(info)))
    return 0


def add_keys_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help=_("export or import this office's chain and signing keys in a "
                                         "passphrase-protected archive (for restoring on another PC)"))
    keys.add_argument("action", choices=("export", "import", "show"))
    keys.add_argument("archive", metavar="ARCHIVE", help=_("the key archive file"))
    keys.add_argument("--replace", action="store_true",
                      help=_("on import, put the archive's keys in place of different ones (kept beside them)"))
    keys.add_argument("--chain-key", metavar="FILE", help=_("the chain key file (default: this PC's)"))
    keys.add_argument("--signing-keys", metavar="FOLDER",
                      help=_("the signing keys folder (default: signing-keys beside the chain key)"))
    keys.add_argument("--passphrase-env", metavar="NAME",
                      help=_("read the passphrase from this environment variable instead of asking"))
    keys.set_defaults(func=cmd_keys)
