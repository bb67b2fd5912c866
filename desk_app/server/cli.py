"""``desk-server``: ``init`` writes the configuration, TLS key and certificate and prepares the database;
``run`` serves the use-case API over HTTPS (uvicorn) until stopped.

``init`` runs on the server host as the operator. On PostgreSQL it migrates the schema with the table
owner's URL (``--owner-url``; the owner is never written to the configuration) and the configuration names
the runtime role, a member of ``desk_runtime``. On a SQLite file (a small office) the server's own account
owns the file.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from desk_app import __version__
from desk_app.api.pinning import fingerprint_of
from desk_app.db.engine import make_engine
from desk_app.db.migrate import require_head, upgrade_to_head
from desk_app.db.privileges import RUNTIME_ROLE, apply_runtime_grants, owns_tables
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType
from desk_app.errors import DeskError, UserError, ValidationError
from desk_app.i18n import _, set_language
from desk_app.security import CHAIN_KEY_NAME, chain_key, use_chain_key_file
from desk_app.server.config import (
    DEFAULT_PORT,
    ENV_SERVER_CONFIG,
    ServerConfig,
    load_server_config,
    save_server_config,
)
from desk_app.server.tls import write_self_signed
from desk_app.services import setup

log = logging.getLogger("desk_server")
DEFAULT_CONFIG = Path("server.toml")


def _config_path(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get(ENV_SERVER_CONFIG) or DEFAULT_CONFIG).resolve()


def _ask_password(prompt: str) -> str:
    first = getpass.getpass(prompt)
    if getpass.getpass(_("Again: ")) != first:
        raise ValidationError(_("The two passwords differ."))
    return first


def cmd_init(args: argparse.Namespace) -> int:
    path = _config_path(args)
    if path.exists() and not args.force:
        raise ValidationError(_("{path} exists already (use --force to write it again).").format(path=path))
    folder = path.parent
    certificate, key = folder / "server.crt", folder / "server.key"
    if args.tls_certificate:
        certificate, key = Path(args.tls_certificate).resolve(), Path(args.tls_key).resolve()
    else:
        write_self_signed(certificate, key, args.host_name or [])
    runtime_url = args.database_url
    owner_url = args.owner_url or runtime_url
    use_chain_key_file(folder / CHAIN_KEY_NAME)  # the server's secret: signs the chains, never in the database
    chain_key()
    engine = make_engine(owner_url)
    try:
        upgrade_to_head(engine)
        if engine.dialect.name == "postgresql":
            runtime_user = make_url(runtime_url).username
            with engine.begin() as conn:
                if not apply_runtime_grants(conn):
                    raise ValidationError(_("The role {role} does not exist and {user} may not create it.").format(
                        role=RUNTIME_ROLE, user=make_url(owner_url).username))
                if runtime_user and runtime_user != make_url(owner_url).username:
                    if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": runtime_user}):
                        quoted = runtime_user.replace('"', '""')
                        conn.execute(text(f'GRANT {RUNTIME_ROLE} TO "{quoted}"'))
                    else:
                        print(_("The login role {user} does not exist yet: create it with CREATE ROLE {user} LOGIN "
                                "PASSWORD '…' IN ROLE {role}.").format(user=runtime_user, role=RUNTIME_ROLE))
        db = Database(engine)
        if not setup.is_initialised(db):
            password = args.admin_password or _ask_password(
                _("Password for the administrator {name}: ").format(name=args.admin))
            setup.initialise(db, setup.SetupRequest(
                args.branch_code, args.branch_name, InstitutionType(args.institution), args.admin, args.admin_name,
                password, is_headquarters=True))
            print(_("Created branch {code} and the administrator {name}.").format(code=args.branch_code,
                                                                                   name=args.admin))
    finally:
        engine.dispose()
    save_server_config(ServerConfig(database_url=runtime_url, tls_certificate=str(certificate), tls_key=str(key),
                                    host=args.bind, port=args.port,
                                    allow_table_owner=runtime_url == owner_url and not runtime_url.startswith(
                                        "postgresql")), path)
    print(_("Configuration written to {path}.").format(path=path))
    print(_("Certificate fingerprint (SHA-256), to compare on each counter PC's first contact:"))
    print(fingerprint_of(certificate.read_text(encoding="ascii")))
    return 0


def open_server_database(config: ServerConfig) -> Database:
    """The runtime database: at the schema this server speaks, and not as the tables' owner."""
    engine = make_engine(config.database_url)
    require_head(engine)
    if engine.dialect.name == "postgresql" and not config.allow_table_owner:
        with engine.connect() as conn:
            owner = owns_tables(conn)
        if owner:
            engine.dispose()
            raise UserError(_(
                "The desk server connects as the role that owns the tables. Give it a login role in "
                "{role} (CREATE ROLE desk_server LOGIN PASSWORD '…' IN ROLE {role}) so that it cannot "
                "rewrite the case timelines and the audit log.").format(role=RUNTIME_ROLE))
    return Database(engine)


def configure_logging(level: str = "INFO") -> None:
    from desk_app.server.app import JsonLogFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    for name in ("desk_server", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # request lines carry addresses; ours carry ids


def app_from_environment() -> object:
    """The ASGI app for uvicorn's workers (``--workers N`` imports it in each worker process)."""
    from desk_app.server.app import create_app

    configure_logging()
    path = _config_path(argparse.Namespace(config=None))
    config = load_server_config(path)
    use_chain_key_file(path.parent / CHAIN_KEY_NAME)
    return create_app(open_server_database(config), config.limits)


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    path = _config_path(args)
    config = load_server_config(path)
    open_server_database(config).dispose()  # refuse at once, with a clear message, rather than in each worker
    os.environ[ENV_SERVER_CONFIG] = str(path)
    configure_logging()
    log.info("starting", extra={"event": "start", "status": 0})
    uvicorn.run("desk_app.server.cli:app_from_environment", factory=True, host=args.host or config.host,
                port=args.port or config.port, workers=args.workers,
                ssl_certfile=config.path(config.tls_certificate, path.parent),
                ssl_keyfile=config.path(config.tls_key, path.parent),
                log_config=None, access_log=False, server_header=False, proxy_headers=False)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    """Send each user with an e-mail address the reminders new to them (run it from cron or a timer)."""
    from desk_app.services.digest import send_digests

    config = load_server_config(_config_path(args))
    db = open_server_database(config)
    try:
        report = send_digests(db, config.smtp)
    finally:
        db.dispose()
    print(_("Digests sent: {sent}; users without new reminders: {quiet}.").format(
        sent=report.sent, quiet=report.users_without_news))
    if report.failed:
        print(_("The mail server refused the digest of: {users}").format(users=", ".join(report.failed)),
              file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk-server", description=_("Complaint Desk server for a branch network"))
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--config", help=_("server.toml (default: $DESK_SERVER_CONFIG, then ./server.toml)"))
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help=_("write server.toml, a TLS certificate, and prepare the database"))
    init.add_argument("--database-url", required=True,
                      help=_("the URL the server connects with (PostgreSQL: a login role in desk_runtime)"))
    init.add_argument("--owner-url", help=_("PostgreSQL: the tables' owner, to migrate (not stored)"))
    init.add_argument("--host-name", action="append", help=_("a name or address of this server for the certificate"))
    init.add_argument("--tls-certificate", help=_("use this certificate instead of a self-signed one"))
    init.add_argument("--tls-key", help=_("the key of --tls-certificate"))
    init.add_argument("--bind", default="0.0.0.0", help=_("address to listen on"))
    init.add_argument("--port", type=int, default=DEFAULT_PORT)
    init.add_argument("--branch-code", default="HQ", help=_("first branch (headquarters), on an empty database"))
    init.add_argument("--branch-name", default="总部")
    init.add_argument("--institution", default=InstitutionType.BANK.value,
                      choices=[t.value for t in InstitutionType])
    init.add_argument("--admin", default="admin", help=_("the first administrator's user name"))
    init.add_argument("--admin-name", default="系统管理员")
    init.add_argument("--admin-password", help=argparse.SUPPRESS)  # tests and scripted installs only
    init.add_argument("--force", action="store_true")
    init.set_defaults(func=cmd_init)
    run = sub.add_parser("run", help=_("serve the API over HTTPS"))
    run.add_argument("--workers", type=int, default=1,
                     help=_("worker processes (stateless; sessions are in the database)"))
    run.add_argument("--host", help=_("override the address in server.toml"))
    run.add_argument("--port", type=int, help=_("override the port in server.toml"))
    run.set_defaults(func=cmd_run)
    digest = sub.add_parser("digest", help=_("e-mail each user the reminders new to them (smtp_* in server.toml)"))
    digest.set_defaults(func=cmd_digest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)  # a SQLite database, logs and temporary job files: readable by the server's account only
    set_language(os.environ.get("DESK_LANGUAGE", "zh_CN"))
    args = build_parser().parse_args(argv)
    if getattr(args, "tls_certificate", None) and not getattr(args, "tls_key", None):
        print(_("--tls-certificate needs --tls-key."), file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except DeskError as exc:
        print(str(exc), file=sys.stderr)
        return 1
