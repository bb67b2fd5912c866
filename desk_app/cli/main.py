"""``desk-cli`` (= ``python -m desk_app``): the core's command-line client.

Sub-commands: migrate, demo-data, check, backup, restore, retention, self-test, check-scenarios, export-report,
import (the last two in desk_app.cli.reports), trust-server, keys (desk_app.cli.keys). The database is found as in
DESIGN.md: --database-url > DESK_DATABASE_URL > config.toml > desk.sqlite3 in the user data dir.

The data commands export-report and import also run against a desk server (``--server URL`` or
``DESK_SERVER_URL``), signed in as a real account; ``trust-server URL`` first pins that server's
certificate on this PC. The database-level commands run where the database is (on the server host).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from desk_app import __version__
from desk_app.config import load_config
from desk_app.db.engine import make_engine, sqlite_path
from desk_app.db.migrate import schema_state, upgrade_to_head
from desk_app.db.privileges import RUNTIME_ROLE, apply_runtime_grants
from desk_app.db.uow import Database
from desk_app.errors import DeskError, UserError
from desk_app.i18n import _, set_language
from desk_app.paths import backup_dir
from desk_app.services.backups import backup_now, restore, verify_backup


def _database(args: argparse.Namespace, migrate: bool = True) -> Database:
    config = load_config(args.database_url)
    engine = make_engine(config.db_url)
    if migrate:
        if engine.dialect.name == "sqlite":
            upgrade_to_head(engine, backup_dir())
        else:
            from desk_app.db.migrate import require_head

            require_head(engine)
    return Database(engine)


def cmd_migrate(args: argparse.Namespace) -> int:
    config = load_config(args.database_url)
    engine = make_engine(config.db_url)
    before = schema_state(engine)
    after = upgrade_to_head(engine, backup_dir())
    print(_("Schema: {before} → {after} (head {head})").format(
        before=before.current or _("(empty)"), after=after.current, head=after.head))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            granted = apply_runtime_grants(conn)
        print(_("Rights of the server role {role}: applied (the case timelines and the audit log are append-only)")
              .format(role=RUNTIME_ROLE) if granted else
              _("The role {role} does not exist and this account may not create it: ask the database administrator "
                "to run CREATE ROLE {role} NOLOGIN, then run migrate again.").format(role=RUNTIME_ROLE))
    from desk_app.services.integrity import rekey_if_needed

    rekeyed = rekey_if_needed(Database(engine))  # chains from before 0011: re-hashed with the chain key
    if rekeyed is not None:
        print(_("Chains re-keyed with the chain key: {n} case timelines, audit log {audit}; left broken: {broken}")
              .format(n=rekeyed.chains_rekeyed, audit=_("yes") if rekeyed.audit_rekeyed else _("no"),
                      broken=", ".join(rekeyed.chains_broken) or _("none")))
    engine.dispose()
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from desk_app.services.demo import DEMO_PASSWORD, generate_demo_data

    db = _database(args)
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done == total:
            last[0] = now
            print(_("{done} / {total} cases").format(done=done, total=total), file=sys.stderr)

    if args.bulk:
        from desk_app.services.demo_bulk import generate_bulk

        figures = generate_bulk(db, args.bulk, seed=args.seed,
                                progress=lambda what, done, total: progress(done, total) if what == "cases" else None)
        print(_("Added {n} demo cases in bulk in {s:.1f} s.")
              .format(n=figures.cases, s=figures.total_s))
        db.dispose()
        return 0
    added = generate_demo_data(db, args.count, progress=progress, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(_("Added {n} demo cases in {s:.1f} s. Demo users: admin, hq.analyst, bj01.clerk, sh01.handler, "
            "gz01.supervisor, cd01.manager … password {password}").format(
        n=added, s=elapsed, password=DEMO_PASSWORD))
    db.dispose()
    return 0


def cmd_anchor(args: argparse.Namespace) -> int:
    from desk_app.services.anchors import write_anchor

    db = _database(args, migrate=False)
    written = write_anchor(db)
    db.dispose()
    if written is None:
        print(_("Nothing to anchor: the database has no branch yet."))
        return 0
    print(_("Chain heads written to {path}: {n} changed case timelines, audit log at entry {seq}.").format(
        path=written.path, n=written.chains, seq=written.audit_seq))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from desk_app.services.integrity import run_checks

    db = _database(args, migrate=False)
    report = run_checks(db)
    for line in report.lines:
        print(line)
    db.dispose()
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    config = load_config(args.database_url)
    engine = make_engine(config.db_url)
    if sqlite_path(config.db_url) is None:
        print(_("Backups from this program are for SQLite files; back up PostgreSQL with pg_dump "
                "(see README)."), file=sys.stderr)
        return 2
    target = backup_now(engine, Path(args.out) if args.out else backup_dir(), keep=args.keep)
    if target is None:
        print(_("There is no database file to back up yet."), file=sys.stderr)
        return 1
    print(_("Backup written: {path}").format(path=target))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    config = load_config(args.database_url)
    target = sqlite_path(config.db_url)
    if target is None:
        print(_("Restore is for SQLite files; restore PostgreSQL with pg_restore (see README)."), file=sys.stderr)
        return 2
    check = verify_backup(Path(args.file))
    print(_("Backup verified: schema {revision}, {n} cases.").format(revision=check.revision, n=check.complaints))
    if check.chain_key_matches is False:
        print(_("Warning: its case timelines were sealed with another chain key than this installation's. After "
                "the restore, put the office's keys back with 'desk-cli keys import ARCHIVE' (made at the office "
                "with 'desk-cli keys export'), or every timeline check will fail."), file=sys.stderr)
    if not args.yes:
        print(_("Add --yes to replace {target} with it (close every Complaint Desk window first).").format(
            target=target))
        return 1
    restore(Path(args.file), target, backup_dir())
    print(_("Restored {target} from {file}.").format(target=target, file=args.file))
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """The PIPL retention run: list the closed cases past the period (dry run); ``--apply`` anonymises."""
    from datetime import date

    from desk_app.cli.reports import actor_for_username
    from desk_app.services import retention

    years = args.years or load_config(args.database_url).retention_years
    db = _database(args)
    try:
        actor = actor_for_username(db, args.user)
        due = retention.candidates(db, actor, years, date.today())
        for case in due:
            print(f"{case.case_number}\t{case.closed_at:%Y-%m-%d}")
        print(_("{n} closed cases are older than {years} years and still hold personal data.").format(
            n=len(due), years=years))
        if not args.apply:
            if due:
                print(_("Add --apply to remove their personal data (the cases stay for the statistics)."))
            return 0
        done = retention.anonymise(db, actor, years, date.today())
        print(_("Personal data removed from {n} cases.").format(n=done))
        return 0
    finally:
        db.dispose()


def cmd_branch_key(args: argparse.Namespace) -> int:
    """Branch signing keys: show this office's (to read out to HQ), or register a branch's at HQ."""
    from desk_app.cli.reports import actor_for_username
    from desk_app.services import branch_keys

    db = _database(args)
    try:
        actor = actor_for_username(db, args.user)
        if args.register:
            code, key = args.register
            info = branch_keys.register_signing_key(db, actor, code, key)
            print(_("Registered the signing key of branch {code}: fingerprint {fingerprint}").format(
                code=info.branch_code, fingerprint=info.fingerprint))
            return 0
        info = branch_keys.own_signing_key(db, actor)
        print(_("This office's signing key for branch {code} (read it out to headquarters):").format(
            code=info.branch_code))
        print(info.public_key)
        print(_("Fingerprint: {fingerprint}").format(fingerprint=info.fingerprint))
        return 0
    finally:
        db.dispose()


def cmd_self_test(args: argparse.Namespace) -> int:
    from desk_app.services.self_test import run_self_test

    with tempfile.TemporaryDirectory(prefix="desk-self-test-") as tmp:
        for line in run_self_test(Path(tmp)):
            print(line)
    print(_("Self-test passed."))
    return 0


def cmd_check_scenarios(args: argparse.Namespace) -> int:
    """Check practice-drill scenario files (for their authors): each one read as the drills read it."""
    from desk_app.domain.drill_scenario import bundled_scenarios_dir, load_scenario_file

    paths = [Path(p) for p in args.files] or sorted(bundled_scenarios_dir().glob("*.toml"))
    failed = 0
    for path in paths:
        try:
            scenario = load_scenario_file(path)
        except UserError as exc:
            failed += 1
            print(_("Error: {problem}").format(problem=exc), file=sys.stderr)
            continue
        kinds = ", ".join(f.value for f in scenario.flags) or "-"
        print(_("{file}: valid ({type}; special kinds: {kinds})").format(
            file=path.name, type=scenario.persona.psych_type.value, kinds=kinds))
    return 1 if failed else 0


#: Answers that confirm a question in either language.
YES = frozenset({"y", "yes", "是", "是的", "好"})


def _same_fingerprint(given: str, actual: str) -> bool:
    def plain(text: str) -> str:
        return "".join(ch for ch in text.upper() if ch in "0123456789ABCDEF")

    return len(plain(given)) == 64 and plain(given) == plain(actual)


def cmd_trust_server(args: argparse.Namespace) -> int:
    """Fetch the desk server's certificate, show its fingerprint, and pin it once confirmed."""
    from desk_app.api.pinning import fetch_certificate, normalise_url, pin_certificate, pinned_certificate

    url = normalise_url(args.url)
    certificate = fetch_certificate(url)
    print(_("The desk server {server} presents a certificate with the SHA-256 fingerprint").format(server=url))
    print(f"  {certificate.fingerprint}")
    known = pinned_certificate(url)
    if known is not None and known.fingerprint == certificate.fingerprint:
        print(_("This PC already trusts this certificate for {server}.").format(server=url))
        return 0
    if known is not None:
        print(_("It replaces the certificate this PC trusts for {server} so far:").format(server=url))
        print(f"  {known.fingerprint}")
    if args.fingerprint:
        if not _same_fingerprint(args.fingerprint, certificate.fingerprint):
            print(_("This is not the fingerprint given with --fingerprint: nothing was stored. Ask IT which "
                    "certificate the server has."), file=sys.stderr)
            return 2
    else:
        try:
            answer = input(_("Compare it with the fingerprint IT gave you. Trust this certificate? [y/N] "))
        except EOFError:
            answer = ""
        if answer.strip().lower() not in YES:
            print(_("Nothing was stored."))
            return 1
    path = pin_certificate(url, certificate)
    print(_("Stored in {path}: from now on this PC trusts only this certificate for {server}.").format(
        path=path, server=url))
    return 0


#: The commands that may run against a desk server (``--server``); every other one works on a database.
SERVER_COMMANDS = frozenset({"export-report", "import"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk-cli", description=_("Complaint Desk command line"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--database-url", help=_("database URL (default: the configured one, or the local "
                                                 "SQLite file)"))
    parser.add_argument("--language", default="zh_CN", choices=["zh_CN", "en"], help=_("message language"))
    parser.add_argument("--server", metavar="URL", help=_("run export-report or import on this desk server, "
                                                          "e.g. https://server:8443 (default: $DESK_SERVER_URL; "
                                                          "without either, on this PC's database)"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help=_("upgrade the database schema to the newest version")).set_defaults(
        func=cmd_migrate)
    demo = sub.add_parser("demo-data", help=_("add realistic demo cases"))
    demo.add_argument("--count", type=int, default=500)
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument("--bulk", type=int, metavar="N", help=_("add N demo cases the fast way, for benchmarks "
                                                                "(indexes rebuilt at the end; committed in chunks)"))
    demo.set_defaults(func=cmd_demo_data)
    sub.add_parser("check", help=_("check the database: reachable, schema at head, keyed chains, case seals and "
                                   "anchored chain heads intact")).set_defaults(func=cmd_check)
    sub.add_parser("anchor", help=_("write the chain heads to the anchor file now (also done daily)")
                   ).set_defaults(func=cmd_anchor)
    backup = sub.add_parser("backup", help=_("online backup of the SQLite database"))
    backup.add_argument("--out", help=_("folder for the backup file"))
    backup.add_argument("--keep", type=int, default=14, help=_("how many manual backups to keep"))
    backup.set_defaults(func=cmd_backup)
    restore_cmd = sub.add_parser("restore", help=_("verify a SQLite backup and put it in place of the database"))
    restore_cmd.add_argument("file", help=_("the backup file"))
    restore_cmd.add_argument("--yes", action="store_true", help=_("really replace the database"))
    restore_cmd.set_defaults(func=cmd_restore)
    keep = sub.add_parser("retention", help=_("list closed cases past the retention period; --apply anonymises "
                                              "them (PIPL)"))
    keep.add_argument("--user", required=True, help=_("an administrator's user name"))
    keep.add_argument("--years", type=int, help=_("retention period in years (default: retention_years in "
                                                  "config.toml, 3)"))
    keep.add_argument("--apply", action="store_true", help=_("really remove the personal data"))
    keep.set_defaults(func=cmd_retention)
    key = sub.add_parser("branch-key", help=_("show this office's key for signing its branch's exports, or (at "
                                              "headquarters) register a branch's key"))
    key.add_argument("--user", required=True, help=_("an administrator's user name"))
    key.add_argument("--register", nargs=2, metavar=("BRANCH", "KEY"),
                     help=_("register the key the branch's administrator read out for branch BRANCH"))
    key.set_defaults(func=cmd_branch_key)
    sub.add_parser("self-test", help=_("run the built-in checks on a temporary database")).set_defaults(
        func=cmd_self_test)
    scenarios = sub.add_parser("check-scenarios", help=_("check practice-drill scenario files (default: the "
                                                          "shipped ones)"))
    scenarios.add_argument("files", nargs="*", metavar="FILE", help=_("scenario TOML files"))
    scenarios.set_defaults(func=cmd_check_scenarios)
    trust = sub.add_parser("trust-server", help=_("show a desk server's certificate fingerprint and, once "
                                                  "confirmed, trust that certificate on this PC"))
    trust.add_argument("url", metavar="URL", help=_("the desk server, e.g. https://server:8443"))
    trust.add_argument("--fingerprint", metavar="SHA256", help=_("the fingerprint IT gave you: compare with it "
                                                                 "instead of asking"))
    trust.set_defaults(func=cmd_trust_server)
    from desk_app.cli.keys import add_keys_command
    from desk_app.cli.reports import add_report_commands

    add_keys_command(sub)
    add_report_commands(sub, _database)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(args.language)
    if args.server and args.command not in SERVER_COMMANDS:
        print(_("Error: {message}").format(message=_(
            "{command} works on a database, not through a desk server: run it where the database is (on the "
            "server host), without --server.").format(command=args.command)), file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except UserError as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except DeskError as exc:
        print(_("Internal error: {message}").format(message=exc), file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
