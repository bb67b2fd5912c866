"""The built-in self-test shared by ``desk-cli self-test`` and the GUI's ``--self-test``:
a temporary database, migrated, set up, one case registered and moved, the event chain checked; the practice
scenarios read and one drill played on a temporary practice database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from desk_app.db.engine import make_engine
from desk_app.db.migrate import upgrade_to_head
from desk_app.db.uow import Database
from desk_app.documents.content import ReceiptInputs
from desk_app.domain.drill_scenario import STAGES, Effect, bundled_scenarios
from desk_app.domain.enums import Channel, InstitutionType, LetterKind, Role, Severity
from desk_app.errors import BugError
from desk_app.i18n import _
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.drills import finish_drill, play_step, start_drill
from desk_app.services.dto import ComplaintDraft, CustomerDraft
from desk_app.services.integrity import run_checks
from desk_app.services.letters import issue_letter, reprint
from desk_app.services.practice import open_practice_database, practice_trainee
from desk_app.services.report_scope import ReportScope
from desk_app.services.setup import SetupRequest, initialise
from desk_app.services.statistics import export_statistics


def run_self_test(folder: Path) -> Iterator[str]:
    engine = make_engine(f"sqlite:///{folder / 'self-test.sqlite3'}")
    db = Database(engine)
    try:
        state = upgrade_to_head(engine, folder)
        yield _("migrated to {head}").format(head=state.head)
        admin = initialise(db, SetupRequest("ST01", "自检支行", InstitutionType.BANK, "selftest", "自检",
                                            "selftest123", branch_hotline="95588", is_headquarters=True))
        create_user(db, admin, username="clerk", display_name="柜员", password="counter12345",
                    role=Role.COUNTER_CLERK, branch_id=admin.branch_id)
        clerk = authenticate(db, "clerk", "counter12345")
        case = register_complaint(db, clerk, ComplaintDraft(
            channel=Channel.COUNTER, axis_a="A01", axis_b="B01", axis_c="C01", severity=Severity.GENERAL,
            facts_what="自检：柜台服务等候时间过长", request_kinds=("explanation",),
            customer=CustomerDraft(name="自检客户", phone="13800000000")))
        yield _("registered case {number}, due {due}").format(number=case.case_number, due=case.due_on)
        letter = issue_letter(db, clerk, case.id, LetterKind.RECEIPT, ReceiptInputs())
        stored = reprint(db, clerk, letter.id)
        if not stored.startswith(b"%PDF") or len(stored) != letter.size:
            raise BugError("the receipt letter was not stored as a PDF")
        yield _("rendered letter {number} ({size} bytes, font embedded)").format(number=letter.number,
                                                                                 size=letter.size)
        today = date.today()
        workbook = folder / "self-test-statistics.xlsx"
        export_statistics(db, admin, ReportScope(today - timedelta(days=30), today), workbook)
        load_workbook(workbook, read_only=True).close()
        yield _("wrote workbook {path}").format(path=workbook.name)
        report = run_checks(db)
        if not report.ok:
            raise BugError("; ".join(report.lines))
        yield _("database checks passed")
        yield _practice_drill(folder)
    finally:
        db.dispose()


def _practice_drill(folder: Path) -> str:
    """Every shipped scenario read, and one drill played perfectly on a practice database of its own."""
    scenarios = bundled_scenarios()
    scenario = scenarios[0]
    practice, _revision = open_practice_database(folder / "self-test-practice.sqlite3")
    try:
        trainee = practice_trainee("自检")
        state = start_drill(practice, trainee, scenario.key)
        for stage in STAGES:
            calm = [m.move for m in scenario.step(stage).scripted(Effect.CALM)]
            state = play_step(practice, trainee, state.drill_id, calm)
        result = finish_drill(practice, trainee, state.drill_id, scenario.persona.psych_type,
                              scenario.real_demand.key)
    finally:
        practice.dispose()
    if result.score != result.max_score:
        raise BugError(f"a perfect drill scored {result.score} of {result.max_score}")
    return _("{n} practice scenarios read; a drill scored {score} of {max} on a practice database").format(
        n=len(scenarios), score=result.score, max=result.max_score)
