"""``desk-cli check``: database reachable, schema at head, every complaint's event chain intact."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from desk_app.db.migrate import schema_state
from desk_app.db.uow import Database
from desk_app.errors import DatabaseUnavailableError
from desk_app.i18n import _
from desk_app.services.timeline import check_all_chains


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def good(self, line: str) -> None:
        self.lines.append("OK    " + line)

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append("FAIL  " + line)


def run_checks(db: Database) -> CheckReport:
    report = CheckReport()
    try:
        state = schema_state(db.engine)
    except DatabaseUnavailableError as exc:
        report.bad(str(exc))
        return report
    report.good(_("database reachable ({dialect})").format(dialect=db.dialect))
    if not state.at_head:
        report.bad(_("schema at {current}, expected {head}: run 'desk-cli migrate'").format(
            current=state.current or _("(empty)"), head=state.head))
        return report
    report.good(_("schema at head ({head})").format(head=state.head))
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            ctype = conn.execute(text("SELECT datctype FROM pg_database WHERE datname = current_database()")
                                 ).scalar_one()
        if "utf" in str(ctype).lower():
            report.good(_("database character type {ctype} supports Chinese text search").format(ctype=ctype))
        else:
            report.bad(_("database character type {ctype} is not UTF-8: Chinese search (pg_trgm) will not "
                         "work; create the database with LC_CTYPE C.UTF-8").format(ctype=ctype))
    with db.unit_of_work() as session:
        breaks = check_all_chains(session)
    if breaks:
        from desk_app.db.models import Complaint

        with db.unit_of_work() as session:
            for found in breaks:
                complaint = session.get(Complaint, found.complaint_id)
                number = complaint.case_number if complaint else str(found.complaint_id)
                report.bad(_("timeline of case {number} broken at event {seq}: {reason}").format(
                    number=number, seq=found.seq, reason=found.reason))
    else:
        report.good(_("all case timelines intact"))
    from desk_app.services import audit

    with db.unit_of_work() as session:
        audit_break = audit.verify(session)
    if audit_break:
        report.bad(_("audit log broken at entry {seq}: {reason}").format(seq=audit_break.seq,
                                                                        reason=audit_break.reason))
    else:
        report.good(_("audit log intact"))
    return report
