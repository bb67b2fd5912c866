"""The ``export-report`` and ``import`` sub-commands of ``desk-cli``, for scheduled runs at headquarters.

Who acts: ``--user USERNAME`` names an existing, active account whose role and branch decide what
may be exported or imported (no password: whoever can run the command on this machine can already
open the database). Without ``--user`` an export runs as a built-in HQ-analyst identity "desk-cli"
(every branch, personal data masked); imports need ``--user`` (cases record who brought them in).

Against a desk server (``desk-cli --server https://host:8443 …`` or ``DESK_SERVER_URL``) the command
signs in as ``--user`` with that account's password, from ``DESK_PASSWORD`` (scheduled runs) or a
prompt, over TLS to the certificate this PC pinned (``desk-cli trust-server``); the server decides what
the account may do, and the files travel as jobs (``desk_app.api.jobs``).

Exit status: 0 done; 1 the file has problems (nothing imported) or cases conflict (listed);
2 a usage or permission error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from desk_app.api.backend import Backend, LocalBackend
from desk_app.api.pinning import pinned_certificate
from desk_app.config import ENV_SERVER_URL, load_config
from desk_app.db.models import Branch, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.errors import DeskError, NotFoundError, ValidationError
from desk_app.i18n import _

DatabaseFactory = Callable[[argparse.Namespace], Database]
CLI_USERNAME = "desk-cli"
ENV_PASSWORD = "DESK_PASSWORD"


def actor_for_username(db: Database, username: str) -> Actor:
    with db.unit_of_work() as session:
        row = session.execute(select(User, Branch).join(Branch, Branch.id == User.branch_id)
                              .where(func.lower(User.username) == username.strip().lower())).first()
        if row is None or not row[0].active:
            raise NotFoundError(_("There is no active user named {name}.").format(name=username))
        user, branch = row
        return Actor(user_id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
                     branch_id=branch.id, branch_code=branch.code, is_hq=branch.is_headquarters)


def command_line_actor(db: Database) -> Actor:
    """The identity of an unattended export: an HQ analyst (all branches, masked personal data)."""
    with db.unit_of_work() as session:
        hq = session.scalars(select(Branch).where(Branch.is_headquarters.is_(True)).order_by(Branch.code)).first()
        branch_id, code = (hq.id, hq.code) if hq is not None else (uuid.UUID(int=0), "HQ")
    return Actor(user_id=uuid.UUID(int=0), username=CLI_USERNAME, display_name=CLI_USERNAME, role=Role.HQ_ANALYST,
                 branch_id=branch_id, branch_code=code, is_hq=True)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): {text}").format(text=text)) from exc


def _progress_printer(label: str) -> Callable[[int, int], None]:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done >= total:
            last[0] = now
            print(_("{label}: {done} / {total}").format(label=label, done=done, total=total), file=sys.stderr)

    return progress


def server_url(args: argparse.Namespace) -> str:
    """The desk server a data command runs against: ``--server``, else ``DESK_SERVER_URL``; empty: this PC."""
    return str(getattr(args, "server", None) or os.environ.get(ENV_SERVER_URL, "")).strip()


def _password(username: str, url: str) -> str:
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        password = getpass.getpass(_("Password of {user} on {server}: ").format(user=username, server=url))
    return password


@contextmanager
def remote_session(url: str, username: str | None) -> Iterator[tuple[Backend, Actor]]:
    """Signed in on the desk server at ``url`` as ``username`` (signed out at the end)."""
    from desk_app.api.remote import RemoteBackend

    if not username:
        raise ValidationError(_("Say who you are on the desk server: --user USERNAME (the password comes from "
                                "{env} or a prompt).").format(env=ENV_PASSWORD))
    certificate = pinned_certificate(url)
    if certificate is None:
        raise ValidationError(_("This PC does not trust the desk server {server} yet. Run desk-cli trust-server "
                                "{server} and compare the fingerprint with the one IT gave you.").format(server=url))
    backend = RemoteBackend(url, certificate)
    try:
        actor = backend.sign_in(username, _password(username, backend.url))
        try:
            yield backend, actor
        finally:
            with suppress(DeskError):  # the session ends by itself; the command's own outcome is what matters
                backend.sign_out(actor)
    finally:
        backend.close()


@contextmanager
def session(args: argparse.Namespace, database: DatabaseFactory, *, need_user: bool = False
            ) -> Iterator[tuple[Backend, Actor]]:
    """Where a data command runs and as whom: the desk server (``--server``) as a signed-in account, or the
    database on this PC as ``--user`` (or, where allowed, the built-in "desk-cli" identity)."""
    url = server_url(args)
    if url:
        if args.database_url:
            raise ValidationError(_("--server and --database-url exclude each other: on a desk server, the "
                                    "server holds the database."))
        with remote_session(url, args.user) as signed_in:
            yield signed_in
        return
    if need_user and not args.user:
        raise ValidationError(_("Say who imports: --user USERNAME (an active account)."))
    db = database(args)
    try:
        actor = actor_for_username(db, args.user) if args.user else command_line_actor(db)
        yield LocalBackend(db), actor
    finally:
        db.dispose()


def cmd_export_report(args: argparse.Namespace, database: DatabaseFactory) -> int:
    from desk_app.services.detail_export import export_detail
    from desk_app.services.report_scope import ReportScope
    from desk_app.services.statistics import export_statistics

    if args.reveal_personal_data and not args.detail:
        raise ValidationError(_("--reveal-personal-data is for the detail export (--detail)."))
    if args.timeline and not args.detail:
        raise ValidationError(_("--timeline is for the detail export (--detail)."))
    codes = tuple(code for item in args.branch or () for code in item.split(",") if code.strip())
    with session(args, database) as (backend, actor):
        tz = load_config(args.database_url).office_timezone
        scope = ReportScope(args.date_from, args.date_to, codes, timezone=tz)
        out = Path(args.out)
        if args.detail:
            result = backend.call(actor, export_detail, scope, out, reveal_personal_data=args.reveal_personal_data,
                                  include_timeline=args.timeline, progress=_progress_printer(_("Exporting")))
            print(_("Wrote {path}: {n} cases (personal data {state}).").format(
                path=out, n=result.cases, state=_("masked") if result.masked else _("NOT masked")))
        else:
            stats = backend.call(actor, export_statistics, scope, out)
            print(_("Wrote {path}: {n} cases, {change:+d} on the previous period.").format(
                path=out, n=stats.summary.total, change=stats.summary.change))
        return 0


def cmd_import(args: argparse.Namespace, database: DatabaseFactory) -> int:
    from desk_app.services import consolidation, imports

    path = Path(args.file)
    if not path.is_file():
        raise ValidationError(_("There is no file {path}.").format(path=path))
    with session(args, database, need_user=not args.dry_run) as (backend, actor):
        if consolidation.is_consolidation_source(path):
            return _consolidate(backend, actor, path, args)
        mapping = None
        if args.mapping_file:
            mapping = imports.ColumnMapping.from_json(Path(args.mapping_file).read_text("utf-8"))
            if args.save_mapping:
                backend.call(actor, imports.save_mapping, args.save_mapping, mapping)
                print(_("Saved the mapping as {name}.").format(name=args.save_mapping))
        elif args.mapping:
            mapping = backend.read(imports.load_mapping, args.mapping)
        options = imports.ImportOptions(branch_code=args.branch, sheet=args.sheet,
                                        timezone=load_config(args.database_url).office_timezone)
        preview = backend.call(actor, imports.dry_run, path, mapping, options)
        _print_preview(preview, args.verbose)
        if args.dry_run or not preview.ok:
            return 0 if preview.ok else 1
        result = backend.call(actor, imports.import_file, path, preview.mapping, options,
                              progress=_progress_printer(_("Importing")))
        print(_("Imported {n} cases ({first} … {last}).").format(n=result.imported, first=result.first_number,
                                                                 last=result.last_number))
        return 0


def _print_preview(preview: Any, verbose: bool) -> None:
    print(_("Source: {source} · sheet {sheet} · header rows {rows}").format(
        source=preview.source, sheet=preview.sheet or "-", rows=preview.header_rows))
    print(_("Column mapping:"))
    for target, column in preview.mapping.columns.items():
        print(f"  {target:16} ← {column}")
    if preview.unmapped_columns:
        print(_("Columns not imported: {columns}").format(columns=", ".join(preview.unmapped_columns)))
    print(_("Rows: {ok} to import, {skipped} skipped, {bad} with problems.").format(
        ok=preview.importable, skipped=preview.skipped, bad=len(preview.problem_rows)))
    for row in preview.rows if verbose else ():
        print(f"  {row.source_row}: {row.summary}")
    for problem in preview.file_problems:
        print(_("  file: {message}").format(message=problem))
    for row in preview.problem_rows:
        for problem in row.problems:
            print(_("  row {row}, {field}: {message}").format(row=row.source_row, field=problem.field,
                                                           message=problem.message))
    for note in preview.notes:
        print(f"  {note}")


def _consolidate(backend: Backend, actor: Actor, path: Path, args: argparse.Namespace) -> int:
    from desk_app.services import consolidation

    report = backend.call(actor, consolidation.consolidate, path, dry_run=args.dry_run,
                          progress=_progress_printer(_("Consolidating")))
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str) if args.json
          else report.text())
    if report.problems:
        return 1
    return 1 if report.conflicts else 0


def add_report_commands(sub: Any, database: DatabaseFactory) -> None:
    """Register ``export-report`` and ``import`` on the ``desk-cli`` sub-parser collection."""
    export = sub.add_parser("export-report", help=_("write the statistics workbook (or, with --detail, every case) "
                                                    "for a period"))
    export.add_argument("--from", dest="date_from", type=_date, required=True, help="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=_date, required=True, help="YYYY-MM-DD")
    export.add_argument("--branch", action="append", metavar="CODE",
                        help=_("a branch code (repeat, or separate with commas); default: every branch you see"))
    export.add_argument("--out", required=True, metavar="FILE.xlsx")
    export.add_argument("--detail", action="store_true", help=_("export every case, one row each (with the "
                                                                "technical records for consolidation)"))
    export.add_argument("--reveal-personal-data", action="store_true",
                        help=_("do not mask ID numbers, phones and addresses (supervisor, branch manager or "
                               "administrator only)"))
    export.add_argument("--timeline", action="store_true", help=_("with --detail: add a sheet with every event of "
                                                                  "the cases, as their timelines describe them"))
    export.add_argument("--user", metavar="USERNAME", help=_("act as this account (its role and branch); with "
                                                             "--server, sign in as it"))
    export.set_defaults(func=lambda args: cmd_export_report(args, database))

    imp = sub.add_parser("import", help=_("import a spreadsheet or CSV file of cases, or consolidate a branch "
                                          "export workbook or SQLite database"))
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--mapping", metavar="NAME", help=_("a saved column mapping"))
    imp.add_argument("--mapping-file", metavar="FILE.json", help=_("a column mapping in a JSON file"))
    imp.add_argument("--save-mapping", metavar="NAME", help=_("save --mapping-file under this name"))
    imp.add_argument("--dry-run", action="store_true", help=_("check and show what would be imported; "
                                                              "change nothing"))
    imp.add_argument("--branch", metavar="CODE", help=_("the branch of the imported cases (default: your branch)"))
    imp.add_argument("--sheet", metavar="NAME", help=_("the worksheet to read (default: the first visible one)"))
    imp.add_argument("--user", metavar="USERNAME", help=_("who imports (required unless --dry-run; with --server, "
                                                          "always: sign in as it)"))
    imp.add_argument("--verbose", action="store_true", help=_("list every row of the dry run"))
    imp.add_argument("--json", action="store_true", help=_("consolidation report as JSON"))
    imp.set_defaults(func=lambda args: cmd_import(args, database))
