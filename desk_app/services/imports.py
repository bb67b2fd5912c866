"""Migration import: bring in the registers (Excel or CSV) branches kept before Complaint Desk.

1. ``read`` the file and find its header (``desk_app.reports.tabular``: titles above the header, two-row
   headers with merged group cells, blank lines, total rows; or no header, columns by number). CSV is
   read as RFC 4180 first (``desk_app.reports.csv_read``), every file within ``ParseLimits``.
2. A *column mapping* (``import_mapping``) says which column holds which field; *value mapping*
   (``import_values``) turns the file's words into codes, exact matches before guesses; *defaults*
   fill every row where the file has no value.
3. ``dry_run`` parses every row and reports what would be imported, every row's problem, every guess
   with its count, and a summary table (``import_summary``) to check against the source.
4. ``import_file`` imports all rows in one transaction, or nothing (``import_writer``): each case gets
   a proper case number (branch-date-sequence, from the same counters as the intake), its statutory
   due dates, a customer (found by ID number, or phone and name, or created) and a hash-chained
   timeline; a row with a completion date is imported as closed. The same file (same SHA-256) is not
   imported twice, and the file itself is only read.

Dates without a time count from 00:00 office time; a completion date without a time is taken as
18:00 that day (never before the receipt).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import ImportBatch, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.errors import NotFoundError, OperationCancelled, PermissionDeniedError, ValidationError
from desk_app.i18n import _
from desk_app.reports.limits import DEFAULT_LIMITS, check_file_size
from desk_app.reports.snapshot import read_snapshot
from desk_app.reports.tabular import SourceTable, is_blank, is_summary_row, read_table
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.calendar import load_work_calendar
from desk_app.services.import_mapping import (
    FIELD_KEYS,
    FIELDS,
    SPECS,
    ColumnMapping,
    FieldSpec,
    MappingInfo,
    column_number,
    delete_mapping,
    is_known_header,
    key_of,
    list_mappings,
    load_mapping,
    save_mapping,
    suggest_mapping,
)
from desk_app.services.import_rows import MAX_TEXT, ImportOptions, Problem, RowParser, RowPreview
from desk_app.services.import_summary import ColumnSummary, Guess, ImportSummary, SummaryCounter, ValueCount
from desk_app.services.import_values import CHANNEL_WORDS, Codes
from desk_app.services.import_writer import Writer as _Writer

__all__ = ["CHANNEL_WORDS", "FIELDS", "FIELD_KEYS", "MAX_TEXT", "ColumnMapping", "ColumnSummary", "FieldSpec",
           "Guess", "ImportOptions", "ImportPreview", "ImportResult", "ImportSummary",
           "MappingInfo", "Problem", "RowPreview", "ValueCount", "delete_mapping", "dry_run", "import_file",
           "imported_batches", "list_mappings", "load_mapping", "save_mapping", "suggest_mapping"]

PREVIEW_LIMIT = 500
PROBLEM_LIMIT = 200
"""Rows with problems kept for showing (all are counted; memory stays bounded on a bad big file)."""
BATCH = 1000

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class ImportPreview:
    source: str
    sheet: str | None
    encoding: str | None
    header_rows: tuple[int, ...]
    headers: tuple[str, ...]
    mapping: ColumnMapping
    unmapped_columns: tuple[str, ...]
    rows: tuple[RowPreview, ...]
    """Rows with a problem (the first PROBLEM_LIMIT), and the first PREVIEW_LIMIT rows that are fine."""
    importable: int
    skipped: int
    file_problems: tuple[str, ...]
    notes: tuple[str, ...]
    sha256: str
    status_counts: dict[str, int] = field(default_factory=dict)
    summary: ImportSummary | None = None
    csv_format: str = ""
    """How a CSV file was read (standard, or a guessed format the user should check)."""
    csv_sniffed: bool = False

    @property
    def problem_rows(self) -> tuple[RowPreview, ...]:
        return tuple(r for r in self.rows if r.problems)

    @property
    def problem_count(self) -> int:
        return self.summary.with_problems if self.summary is not None else len(self.problem_rows)

    @property
    def guesses(self) -> tuple[Guess, ...]:
        return self.summary.guesses if self.summary is not None else ()

    @property
    def ok(self) -> bool:
        return not self.file_problems and not self.problem_count and self.importable > 0


@dataclass(frozen=True)
class ImportResult:
    imported: int
    closed: int
    customers_created: int
    first_number: str
    last_number: str
    batch_id: uuid.UUID
    skipped: int


@dataclass
class _Prepared:
    table: SourceTable
    mapping: ColumnMapping
    parser: RowParser
    sha256: str
    file_problems: list[str]
    notes: list[str]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _has_column(table: SourceTable, column: str) -> bool:
    """The file has this column, by name or by number ("#3")."""
    number = column_number(column)
    return column in table.headers or (number is not None and number < len(table.headers))


def _prepare(session: Session, actor: Actor, path: Path, mapping: ColumnMapping | None,
             options: ImportOptions) -> _Prepared:
    require(actor, Permission.IMPORT_CASES)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(_("{name} is not a file that can be read.").format(name=path.name))
    check_file_size(path.name, path.stat().st_size, DEFAULT_LIMITS)
    data_hash = _sha256(path)
    sheet = options.sheet or (mapping.sheet if mapping else None)
    table = read_table(path, is_known_header, sheet, mapping.header_row if mapping else None,
                       mapping.header_rows if mapping else None, no_header=bool(mapping and mapping.no_header))
    notes: list[str] = []
    if table.csv_format is not None:
        notes.append(table.csv_format.description)
    if mapping is None:
        mapping = suggest_mapping(table.headers)
        notes.append(_("The column mapping was suggested from the column names; check it."))
        if not mapping.columns:
            notes.append(_("No column name was recognised. If the file has no header row, choose “No header "
                           "row” and map the columns by number."))
    else:
        mapping = ColumnMapping.from_spec(mapping.to_spec())
    problems = [_("The mapping names the column '{column}' for {field}, but the file has no such column.").format(
        column=column, field=_(SPECS[key].label)) for key, column in mapping.columns.items()
        if not _has_column(table, column)]
    for spec in FIELDS:
        if spec.required and spec.key not in mapping.columns and spec.key not in mapping.defaults:
            if spec.key == "facts_what" and "summary" in mapping.columns:
                continue
            problems.append(_("No column is mapped to the required field {field}.").format(field=_(spec.label)))
    codes = Codes(session, actor, mapping)
    branch_code = options.branch_code or actor.branch_code
    default_branch = codes.branches.get(key_of(branch_code))
    if default_branch is None:
        raise ValidationError(_("There is no branch with the code {code}.").format(code=branch_code), "branch")
    if default_branch.id not in codes.visible:
        raise PermissionDeniedError(_("You may not import cases of branch {code}.").format(code=branch_code))
    earlier = session.execute(select(ImportBatch.imported_at, ImportBatch.source_name)
                              .where(ImportBatch.sha256 == data_hash, ImportBatch.kind == "migration")).first()
    if earlier is not None and not options.allow_reimport:
        problems.append(_("This file was already imported on {when} (as {name}).").format(
            when=earlier[0].strftime("%Y-%m-%d %H:%M"), name=earlier[1]))
    parser = RowParser(codes, mapping, table.headers, default_branch, options.now or utcnow(),
                       options.cut_long_texts)
    return _Prepared(table, mapping, parser, data_hash, problems, notes)


def _parsed_rows(prepared: _Prepared) -> Iterator[tuple[str, RowPreview | None, int, list[Any]]]:
    """("row", preview, n, cells) for data rows, ("skip"/"summary", None, n, cells) for blank and total lines."""
    for number, values in prepared.table.rows():
        if is_blank(values):
            yield "skip", None, number, values
        elif is_summary_row(values):
            yield "summary", None, number, values
        else:
            yield "row", prepared.parser.parse(number, values), number, values


def dry_run(db: Database, actor: Actor, path: Path, mapping: ColumnMapping | None = None,
            options: ImportOptions | None = None) -> ImportPreview:
    """Check a file completely and show what would be imported; changes nothing (the file is only read)."""
    options = options or ImportOptions()
    with read_snapshot(db) as session:  # reads only: no write lock while the file is examined
        prepared = _prepare(session, actor, path, mapping, options)
    rows: list[RowPreview] = []
    importable = skipped = shown = kept_problems = 0
    status_counts: dict[str, int] = {}
    notes = list(prepared.notes)
    counter = SummaryCounter(prepared.mapping, prepared.parser.columns)
    for kind, preview, number, cells in _parsed_rows(prepared):
        if preview is None:
            skipped += 1
            counter.skipped(kind)
            if kind == "summary":
                notes.append(_("Row {row} looks like a total line and is skipped.").format(row=number))
            continue
        counter.add(cells, preview)
        if preview.problems:
            if kept_problems < PROBLEM_LIMIT:
                rows.append(preview)
                kept_problems += 1
            continue
        importable += 1
        status_counts[preview.values["status"]] = status_counts.get(preview.values["status"], 0) + 1
        if shown < PREVIEW_LIMIT:
            rows.append(preview)
            shown += 1
    table = prepared.table
    used = set(prepared.mapping.columns.values())
    summary = counter.result()
    if summary.guesses:
        notes.append(_("{n} values were matched by a word inside them, not exactly: confirm or change each in the "
                       "list of guesses.").format(n=len(summary.guesses)))
    fmt = table.csv_format
    return ImportPreview(
        source=table.source, sheet=table.sheet, encoding=table.encoding, header_rows=table.header_rows,
        headers=tuple(table.headers), mapping=prepared.mapping,
        unmapped_columns=tuple(h for h in table.headers if h not in used), rows=tuple(rows), importable=importable,
        skipped=skipped, file_problems=tuple(prepared.file_problems), notes=tuple(notes), sha256=prepared.sha256,
        status_counts=status_counts, summary=summary, csv_format=fmt.description if fmt is not None else "",
        csv_sniffed=bool(fmt is not None and fmt.sniffed))


# ---- importing ----------------------------------------------------------------------------------


def _nothing_imported(file_problems: list[str] | tuple[str, ...], rows: list[RowPreview]) -> ValidationError:
    """The message of a refused import: the file's problems and the first rows' problems."""
    lines = list(file_problems) + [
        _("row {row}, {field}: {message}").format(row=r.source_row, field=p.field, message=p.message)
        for r in rows[:20] for p in r.problems]
    if len(rows) > 20:
        lines.append(_("… and {n} more rows with problems (see the dry run).").format(n=len(rows) - 20))
    return ValidationError(_("Nothing was imported: the file has problems.") + "\n"
                           + "\n".join(lines or [_("There is nothing to import.")]))


def import_file(db: Database, actor: Actor, path: Path, mapping: ColumnMapping | None = None,
                options: ImportOptions | None = None, progress: ProgressFn | None = None,
                cancelled: CancelFn | None = None) -> ImportResult:
    """Import every row of the file in one transaction, or nothing: the rows are checked as they are
    written, and a file with any problem is rolled back entirely (ValidationError listing the problems,
    as the dry run shows them)."""
    options = options or ImportOptions()
    now = options.now or utcnow()
    with db.unit_of_work() as session:
        if session.get(User, actor.user_id) is None:
            raise NotFoundError(_("The importing user must be an account of this database."))
        prepared = _prepare(session, actor, path, mapping, options)
        if prepared.file_problems:
            raise _nothing_imported(prepared.file_problems, [])
        total = sum(1 for _row in prepared.table.rows())  # for the progress bar: a read without parsing
        writer = _Writer(session, actor, prepared.table.source, load_work_calendar(session), now)
        batch: list[RowPreview] = []
        problems: list[RowPreview] = []
        done = skipped = seen = 0
        for _kind, row, _number, _cells in _parsed_rows(prepared):
            seen += 1
            if row is None:
                skipped += 1
                continue
            if row.problems:
                if len(problems) < PROBLEM_LIMIT:
                    problems.append(row)
            elif not problems:  # after the first problem only check the rest: it will all be rolled back
                batch.append(row)
                if len(batch) >= BATCH:
                    writer.write(batch)
                    done += len(batch)
                    batch = []
            if seen % BATCH == 0:
                if cancelled is not None and cancelled():
                    raise OperationCancelled(_("The import was cancelled; nothing was imported."))
                if progress is not None:
                    progress(seen, total)
        if problems or not (batch or done):
            raise _nothing_imported([], problems)
        if batch:
            writer.write(batch)
            done += len(batch)
        record = ImportBatch(kind="migration", source_name=prepared.table.source[:300], sha256=prepared.sha256,
                             imported_by_id=actor.user_id, imported_at=now, rows=done,
                             summary={"mapping": prepared.mapping.to_spec(), "closed": writer.closed,
                                      "customers_created": writer.created, "skipped": skipped,
                                      "first_number": writer.numbers[0], "last_number": writer.numbers[-1]})
        session.add(record)
        session.flush()
        audit.record(session, actor, audit.AuditAction.IMPORT, None,
                     {"batch_id": record.id, "rows": done, "file": record.source_name, "sha256": record.sha256})
        if progress is not None:
            progress(total, total)
        return ImportResult(imported=done, closed=writer.closed, customers_created=writer.created,
                            first_number=min(writer.numbers), last_number=max(writer.numbers), batch_id=record.id,
                            skipped=skipped)


def imported_batches(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest imports and consolidations (newest first), for an administration screen."""
    with db.unit_of_work() as session:
        rows = session.execute(select(ImportBatch, User.username).outerjoin(User, User.id == ImportBatch.imported_by_id)
                               .order_by(ImportBatch.imported_at.desc()).limit(limit)).all()
        return [{"kind": b.kind, "source": b.source_name, "sha256": b.sha256, "imported_at": b.imported_at,
                 "imported_by": name or "", "rows": b.rows, "summary": dict(b.summary)} for b, name in rows]

