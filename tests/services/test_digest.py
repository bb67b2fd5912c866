"""The reminder digest: a local SMTP sink (aiosmtpd) receives one message per user with new reminders, each
reminder is mailed once, and an unreachable mail server marks nothing as told."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from aiosmtpd.controller import Controller

from desk_app.db.uow import Database
from desk_app.domain.notification_rules import RuleKind
from desk_app.errors import PermissionDeniedError, UserError, ValidationError
from desk_app.server.cli import main as desk_server
from desk_app.services import case_workflow as wf
from desk_app.services.complaints import register_complaint
from desk_app.services.digest import SmtpSettings, send_digests, set_email_address
from desk_app.services.notifications import current_notifications
from tests.support.staff import Staff, draft


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [str(m.get_content()) for m in self.messages if address in str(m["To"])]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, SmtpSettings]]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield sink, SmtpSettings("127.0.0.1", controller.port, sender="desk@example.com")
    finally:
        controller.stop()


def test_each_user_is_mailed_their_new_reminders_once(database: Database, staff: Staff,
                                                      smtp: tuple[Sink, SmtpSettings]) -> None:
    sink, settings = smtp
    set_email_address(database, staff.handler, staff.handler.user_id, "handler@example.com")
    set_email_address(database, staff.admin, staff.supervisor.user_id, "lead@example.com")
    case = register_complaint(database, staff.clerk, draft())
    case = wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    wf.escalate(database, staff.handler, case.id, case.version, "客户情绪激动")
    report = send_digests(database, settings)
    assert (report.sent, report.failed) == (2, ())
    [to_handler] = sink.to("handler@example.com")
    assert RuleKind.ASSIGNED.label in to_handler and case.case_number in to_handler
    [to_lead] = sink.to("lead@example.com")
    assert RuleKind.ESCALATED.label in to_lead and "客户情绪激动" in to_lead
    assert sink.to("manager") == []  # no address, no mail (the manager still sees it on the desk)
    again = send_digests(database, settings)
    assert (again.sent, again.users_without_news) == (0, 2) and len(sink.messages) == 2
    listed = [n for n in current_notifications(database, staff.handler) if n.rule is RuleKind.ASSIGNED]
    assert [n.new for n in listed] == [False]  # told by mail: no pop-up on the desk


def test_an_unreachable_mail_server_marks_nothing_told(database: Database, staff: Staff) -> None:
    set_email_address(database, staff.handler, staff.handler.user_id, "handler@example.com")
    case = register_complaint(database, staff.clerk, draft())
    wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    with pytest.raises(UserError, match="could not be reached"):
        send_digests(database, SmtpSettings("127.0.0.1", _free_port(), timeout_seconds=2))
    assert [n.new for n in current_notifications(database, staff.handler)] == [True]
    with pytest.raises(UserError, match="smtp_host"):
        send_digests(database, SmtpSettings(""))


def test_addresses_are_checked_and_set_by_the_user_or_an_administrator(database: Database, staff: Staff) -> None:
    with pytest.raises(ValidationError, match="not an e-mail address"):
        set_email_address(database, staff.clerk, staff.clerk.user_id, "clerk at example")
    with pytest.raises(PermissionDeniedError):
        set_email_address(database, staff.clerk, staff.handler.user_id, "x@example.com")
    assert set_email_address(database, staff.clerk, staff.clerk.user_id, " clerk@example.com ") == "clerk@example.com"
    assert set_email_address(database, staff.clerk, staff.clerk.user_id, "") == ""


def test_desk_server_digest_command(database: Database, staff: Staff, tmp_path: Path,
                                   smtp: tuple[Sink, SmtpSettings]) -> None:
    sink, settings = smtp
    db = database
    set_email_address(db, staff.handler, staff.handler.user_id, "handler@example.com")
    case = register_complaint(db, staff.clerk, draft())
    wf.assign(db, staff.supervisor, case.id, case.version, staff.handler.user_id)
    config = tmp_path / "server.toml"
    config.write_bytes(tomli_w.dumps({
        "database_url": db.engine.url.render_as_string(hide_password=False), "allow_table_owner": True,
        "tls_certificate": "cert.pem", "tls_key": "key.pem",
        "smtp_host": settings.host, "smtp_port": settings.port, "smtp_sender": "desk@example.com"}).encode())
    assert desk_server(["--config", str(config), "digest"]) == 0
    assert len(sink.to("handler@example.com")) == 1
