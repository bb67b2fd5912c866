"""A dropped PostgreSQL connection on a real server: a clear DatabaseUnavailableError, nothing half-written,
and the next call works again without restarting (pre-ping and pool invalidation).

Two ways to drop connections: ``pg_terminate_backend`` from a second connection (as an administrator
restarting the server would), and a small TCP forwarder between the app and the server that can cut
every connection and refuse new ones (a network outage), then come back on the same port.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from tcp_forwarder import Forwarder

from desk_app.db.engine import make_engine
from desk_app.db.models import Base, Complaint
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, InstitutionType, Role, Severity
from desk_app.errors import DatabaseUnavailableError
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDraft, CustomerDraft
from desk_app.services.setup import SetupRequest, initialise
from tests.support.passwords import ADMIN_PASSWORD, PASSWORD


def via(url: str, forwarder: Forwarder) -> str:
    return make_url(url).set(host="127.0.0.1", port=forwarder.port).render_as_string(hide_password=False)


def terminate_other_backends(url: str) -> int:
    """What an administrator restarting the server does to our sessions (allowed for one's own role)."""
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid() AND usename = current_user").fetchall()
    return len(rows)


def complaint_draft(what: str) -> ComplaintDraft:
    return ComplaintDraft(
        channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
        facts_what=what, request_kinds=("refund",), request_text="要求退还被盗刷款项", claimed_amount="3200",
        customer=CustomerDraft(name="王芳", id_number="11010519491231002X", phone="13812345678"))


@dataclass(frozen=True)
class Desk:
    db: Database
    clerk: Actor
    forwarder: Forwarder
    url: str

    def cases(self) -> list[str]:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return list(conn.scalars(select(Complaint.facts_what).order_by(Complaint.facts_what)))
        finally:
            engine.dispose()


@pytest.fixture
def desk(pg_url: str, _pg_migrated: str) -> Iterator[Desk]:
    """A set-up PostgreSQL database reached through a forwarder that the test can cut."""
    server = make_url(_pg_migrated)
    forwarder = Forwarder(server.host or "127.0.0.1", server.port or 5432)
    forwarder.start()
    db = Database(make_engine(via(_pg_migrated, forwarder), connect_args={"connect_timeout": 3}))
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    admin = initialise(db, SetupRequest("SH01", "上海浦东支行", InstitutionType.BANK, "admin", "管理员",
                                        ADMIN_PASSWORD))
    create_user(db, admin, username="clerk", display_name="Clerk", password=PASSWORD, role=Role.COUNTER_CLERK,
                branch_id=admin.branch_id, must_change_password=False)
    try:
        yield Desk(db, authenticate(db, "clerk", PASSWORD), forwarder, _pg_migrated)
    finally:
        db.dispose()
        forwarder.stop()


def test_terminated_backends_the_next_call_reconnects(desk: Desk) -> None:
    register_complaint(desk.db, desk.clerk, complaint_draft("一"))
    assert terminate_other_backends(desk.url) >= 1  # the pooled connection is gone
    with contextlib.suppress(DatabaseUnavailableError):  # allowed once; pre-ping normally reconnects first
        register_complaint(desk.db, desk.clerk, complaint_draft("二"))
    register_complaint(desk.db, desk.clerk, complaint_draft("三"))
    assert "一" in desk.cases() and "三" in desk.cases()


def test_connections_cut_by_a_restart_are_replaced_transparently(desk: Desk) -> None:
    register_complaint(desk.db, desk.clerk, complaint_draft("一"))
    desk.forwarder.cut()
    register_complaint(desk.db, desk.clerk, complaint_draft("二"))  # pre-ping sees the dead connection
    assert desk.cases() == ["一", "二"]


def test_server_down_gives_a_clear_message_then_work_continues_when_it_is_back(desk: Desk) -> None:
    register_complaint(desk.db, desk.clerk, complaint_draft("一"))
    desk.forwarder.stop()
    with pytest.raises(DatabaseUnavailableError) as info:
        register_complaint(desk.db, desk.clerk, complaint_draft("二"))
    message = str(info.value)
    assert "refused the connection" in message and "Try again when the connection is back" in message
    assert "desk:" not in message  # no password
    with pytest.raises(DatabaseUnavailableError):
        register_complaint(desk.db, desk.clerk, complaint_draft("二"))
    desk.forwarder.start()
    register_complaint(desk.db, desk.clerk, complaint_draft("二"))
    assert desk.cases() == ["一", "二"]


def test_a_connection_lost_inside_a_transaction_leaves_nothing_half_written(desk: Desk) -> None:
    register_complaint(desk.db, desk.clerk, complaint_draft("一"))
    killed: list[int] = []

    def kill_before_the_timeline(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # the complaint row is written, its first timeline event is next: the server goes away now
        if not killed and statement.lstrip().upper().startswith("INSERT INTO COMPLAINT_EVENTS"):
            killed.append(terminate_other_backends(desk.url))

    event.listen(desk.db.engine, "before_cursor_execute", kill_before_the_timeline)
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            register_complaint(desk.db, desk.clerk, complaint_draft("二"))
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", kill_before_the_timeline)
    assert killed and killed[0] >= 1
    assert "The connection to the database server was lost." in str(info.value)
    assert desk.cases() == ["一"]  # the half-done registration was rolled back by the server
    with desk.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 1
    register_complaint(desk.db, desk.clerk, complaint_draft("二"))
    assert desk.cases() == ["一", "二"]
