"""The counter's daily work through a live desk server (HTTPS, pinned certificate; on SQLite and on PostgreSQL
as a runtime role), driven from the keyboard: sign-in in the real dialog, an intake, the six steps 听查议析谈行
to 行 act, a decision letter issued and saved as a PDF (that flow also in process, the same steps on a
LocalBackend), a statistics export, an import of a CSV as another system exports it; and unlocking the
screen, which replaces the user's session on the server.

The steps are shared with the other GUI tests (``desk_steps``); what they did is checked in the server's
database through the owner's connection (``LiveServer.db``), not through the client.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from desk_steps import (
    PASSWORD,
    PHONE,
    VALID_ID,
    context,
    export_statistics,
    import_register,
    issue_decision_letter,
    open_intake,
    registered,
    set_up_branch,
    sign_in,
    type_complaint,
    walk_to_act,
)
from gui_support import Shown
from keyboard import key, type_text
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from remote_support import activate
from server_support import LiveServer
from sqlalchemy import func, select

from desk_app.api.backend import Backend, LocalBackend
from desk_app.api.pinning import pinned_context
from desk_app.api.protocol import API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION
from desk_app.api.remote import RemoteBackend
from desk_app.db.models import ApiSession, Complaint, ComplaintEvent, ImportBatch, Letter
from desk_app.db.uow import Database
from desk_app.domain.enums import LetterKind, Stage, Status
from desk_app.services import imports
from desk_app.services.accounts import authenticate
from desk_app.services.customers import intake_options
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.personal_data import reveal_customer
from tests.reports.report_data import build_report_data
from tests.support.imported import exported_csv
from ui.context import AppContext
from ui.idle_lock import UnlockDialog
from ui.tasks import db_pool


@pytest.fixture
def remote(server: LiveServer) -> Iterator[RemoteBackend]:
    """This counter PC's backend: the desk server, with its pinned certificate."""
    backend = server.backend()
    yield backend
    db_pool().waitForDone(15_000)
    backend.close()


def events_of(db: Database, complaint: Complaint) -> list[str]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == complaint.id)
                                    .order_by(ComplaintEvent.seq)))


@dataclass(frozen=True)
class Desk:
    """Where the counter PC's use cases run, and the database they land in (checked behind their back)."""

    backend: Backend
    db: Database


@pytest.fixture(params=["desk_server", "this_pc"])
def desk(request: pytest.FixtureRequest, database: Database) -> Iterator[Desk]:
    """The same counter flows through a live desk server (RemoteBackend) and in process (LocalBackend)."""
    if request.param == "this_pc":
        yield Desk(LocalBackend(database), database)
        return
    server: LiveServer = request.getfixturevalue("server")
    backend = server.backend()
    try:
        yield Desk(backend, server.db)
    finally:
        db_pool().waitForDone(15_000)
        backend.close()


def test_intake_six_steps_and_a_decision_letter(qtbot: QtBot, desk: Desk, tmp_path: Path,
                                                message_boxes: list[Shown]) -> None:
    db, backend = desk.db, desk.backend
    set_up_branch(db)
    ctx: AppContext = context(backend)

    # (a) the clerk signs in through the sign-in dialog, (b) and registers the complaint typed at the counter
    clerk = sign_in(qtbot, backend, "clerk")
    page = open_intake(qtbot, ctx, clerk, tmp_path / "drafts")
    type_complaint(qtbot, page)
    complaint_id = registered(qtbot, page)
    assert page.last_saved is not None and f"Registered as case {page.last_saved.case_number}." in \
        page.result_banner.text()
    with db.unit_of_work() as session:
        case = session.get_one(Complaint, complaint_id)
        session.expunge(case)
    assert case.status == Status.REGISTERED.value and case.case_number.startswith("BJ01-")
    assert (case.axis_a, case.axis_b, case.axis_c) == ("A01", "B0302", "C09")
    assert case.facts_what == "客户反映信用卡出现一笔未授权境外消费3,200.00元"
    assert str(case.claimed_amount) == "3200.00" and case.recusal_declared
    customer = reveal_customer(db, authenticate(db, "clerk", PASSWORD), complaint_id)
    assert (customer.name, customer.id_number, customer.phone) == ("王芳", VALID_ID, PHONE)
    assert events_of(db, case)[0] == "registered"
    page.close()

    # (c) the supervisor assigns it; the handler walks the six steps to 行 act
    supervisor, handler = sign_in(qtbot, backend, "supervisor"), sign_in(qtbot, backend, "handler")
    view = walk_to_act(qtbot, ctx, supervisor, handler, complaint_id)
    with db.unit_of_work() as session:
        case = session.get_one(Complaint, complaint_id)
        assert (case.status, case.stage, case.owner_id) == (Status.IN_PROGRESS.value, Stage.ACT.value,
                                                            handler.user_id)
    kinds = events_of(db, case)
    assert {"registered", "assigned", "status_changed", "stage_changed", "stage_record", "contact",
            "first_contact"} <= set(kinds)
    assert kinds.count("stage_changed") >= 4  # 听 → 查 → 析 → 谈 → 行 (议 when required)
    assert view.file is not None and view.file.stage_records[Stage.ACT]["action_taken"] == "已退还3,200.00元"

    # (d) the decision letter, issued (on the desk server) and saved on this PC as a PDF
    pdf = tmp_path / "letters" / "decision.pdf"
    pdf.parent.mkdir()
    issued = issue_decision_letter(qtbot, view, pdf)
    with db.unit_of_work() as session:
        letter = session.scalars(select(Letter).where(Letter.complaint_id == complaint_id)).one()
        stored = bytes(letter.content)
        assert (letter.kind, letter.number, letter.issued_by_id) == (LetterKind.DECISION.value, issued.number,
                                                                      handler.user_id)
    assert issued.number.startswith("BJ01-JD-")
    assert pdf.read_bytes() == stored and stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == letter.sha256
    assert message_boxes == []
    view.close()


def test_a_statistics_export_through_the_desk_server(qtbot: QtBot, server: LiveServer, remote: RemoteBackend,
                                                     tmp_path: Path) -> None:
    build_report_data(server.db, count=120)
    analyst = sign_in(qtbot, remote, "hq.analyst", DEMO_PASSWORD)
    target = tmp_path / "out" / "统计.xlsx"
    dialog = export_statistics(qtbot, context(remote), analyst, target, "2025-01-01", "2026-12-31")
    assert dialog.result_path == target and target.is_file()
    assert (dialog.scope().date_from.isoformat(), dialog.scope().date_to.isoformat()) == ("2025-01-01", "2026-12-31")
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames[0] == "Summary"
    assert sorted(p.name for p in target.parent.iterdir()) == ["统计.xlsx"]  # written whole, no leftovers
    workbook.close()


def test_an_exported_csv_is_imported_through_the_desk_server(qtbot: QtBot, server: LiveServer,
                                                             remote: RemoteBackend, tmp_path: Path) -> None:
    set_up_branch(server.db)
    source = exported_csv(tmp_path / "投诉登记.csv")  # quoted fields, doubled quotes, line breaks, GB18030
    assert b'""' in source.read_bytes() and "客户称".encode("gb18030") in source.read_bytes()
    owner_manager = authenticate(server.db, "manager", PASSWORD)
    suggested = imports.dry_run(server.db, owner_manager, source).mapping  # the branch's saved mapping
    suggested.defaults["axis_a"] = "A01"
    imports.save_mapping(server.db, owner_manager, "浦东台账", suggested)
    manager = sign_in(qtbot, remote, "manager")
    dialog = import_register(qtbot, context(remote), manager, source, "浦东台账")
    result = dialog.imported
    assert isinstance(result, imports.ImportResult) and result.imported == 6
    assert "Imported 6 cases" in dialog.summary.toPlainText()
    with server.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 6
        facts = session.scalars(select(Complaint.facts_what).order_by(Complaint.received_at)).all()
        batch = session.scalars(select(ImportBatch)).one()
        assert batch.source_name == "投诉登记.csv" and batch.rows == 6
    assert facts[0] == '客户称"信用卡出现一笔未授权境外消费"，\n要求"尽快"处理'
    assert batch.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


class RecordingTransport(httpx.BaseTransport):
    """The client's HTTPS transport (the pinned certificate), noting each session token the server hands out."""

    def __init__(self, server: LiveServer) -> None:
        self.inner = httpx.HTTPTransport(verify=pinned_context(server.certificate))
        self.tokens: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/sign-in") and response.status_code == 200:
            response.read()
            self.tokens.append(str(json.loads(response.content)["token"]))
        return response

    def close(self) -> None:
        self.inner.close()


def test_unlocking_the_screen_replaces_the_session_on_the_server(qtbot: QtBot, server: LiveServer,
                                                                 tmp_path: Path) -> None:
    set_up_branch(server.db)
    transport = RecordingTransport(server)
    backend = RemoteBackend(server.url, server.certificate, transport=transport)
    raw = httpx.Client(base_url=server.url, verify=pinned_context(server.certificate), timeout=30)
    try:
        clerk = sign_in(qtbot, backend, "clerk")
        dialog = UnlockDialog(backend, clerk)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        accepted: list[bool] = []
        dialog.accepted.connect(lambda: accepted.append(True))
        activate(dialog)
        assert dialog.focusWidget() is dialog.password
        type_text(qtbot, PASSWORD)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: accepted == [True], timeout=10_000)  # checked off the GUI thread
        old, new = transport.tokens

        def probe(token: str) -> httpx.Response:
            return raw.post(API_PREFIX + "/call/customers.intake_options", content=b"{}",
                            headers={"Content-Type": "application/json", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                     "Accept-Language": "en", "Authorization": f"Bearer {token}"})

        refused = probe(old)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["kind"] == "SessionExpiredError"
        assert probe(new).status_code == 200
        with server.db.unit_of_work() as session:
            ended = sorted(row.ended_at is not None for row in session.scalars(select(ApiSession)))
        assert ended == [False, True]  # the old session closed, the new one open
        # the unlocked window goes on working with the new session
        assert backend.call(clerk, intake_options).branch_code == "BJ01"
    finally:
        raw.close()
        backend.close()
