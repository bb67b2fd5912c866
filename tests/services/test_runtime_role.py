"""Least privilege on real PostgreSQL: the desk server's login (a member of desk_runtime) cannot change or
remove timeline and audit rows, cannot change the schema, and the server refuses to run as the owner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from server_support import runtime_url
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from desk_app.db.engine import make_engine
from desk_app.db.models import AuditEntry, ComplaintEvent
from desk_app.db.privileges import owns_tables
from desk_app.db.uow import Database
from desk_app.errors import UserError
from desk_app.server.cli import open_server_database
from desk_app.server.config import ServerConfig
from desk_app.services.complaints import register_complaint
from desk_app.services.personal_data import reveal_customer
from tests.support.staff import Staff, draft

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@pytest.fixture
def runtime(database: Database) -> Iterator[Database]:
    db = Database(make_engine(runtime_url(database)))
    yield db
    db.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE complaint_events SET kind = 'closed'",
    "DELETE FROM complaint_events",
    "TRUNCATE complaint_events CASCADE",
    "UPDATE audit_log SET action = 'nothing'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "UPDATE alembic_version SET version_num = '0001'",
    "ALTER TABLE complaints ADD COLUMN mole text",
    "DROP TABLE audit_log",
])
def test_the_runtime_role_cannot_rewrite_history(database: Database, staff: Staff, runtime: Database,
                                                 statement: str) -> None:
    case = register_complaint(database, staff.clerk, draft())
    reveal_customer(database, staff.supervisor, case.id, "回访核实")  # an audit row
    with database.engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(ComplaintEvent))
        entries = conn.scalar(select(func.count()).select_from(AuditEntry))
    assert events and entries
    with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"), runtime.engine.begin() as conn:
        conn.execute(text(statement))
    with database.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ComplaintEvent)) == events
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_the_runtime_role_appends_through_the_services(database: Database, staff: Staff, runtime: Database) -> None:
    """The same services, run as the runtime role, register a case (timeline rows) and audit a view."""
    case = register_complaint(runtime, staff.clerk, draft())
    reveal_customer(runtime, staff.supervisor, case.id, "回访核实")
    with database.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ComplaintEvent)
                           .where(ComplaintEvent.complaint_id == case.id))
        assert conn.scalar(select(func.count()).select_from(AuditEntry)
                           .where(AuditEntry.action == "view_personal_data")) == 1


def test_the_server_refuses_to_run_as_the_tables_owner(database: Database, runtime: Database) -> None:
    with database.engine.connect() as conn:
        assert owns_tables(conn)
    with runtime.engine.connect() as conn:
        assert not owns_tables(conn)
    owner_url = database.engine.url.render_as_string(hide_password=False)
    with pytest.raises(UserError, match="owns the tables"):
        open_server_database(ServerConfig(database_url=owner_url, tls_certificate="c", tls_key="k"))
    allowed = open_server_database(ServerConfig(database_url=runtime_url(database), tls_certificate="c",
                                                tls_key="k"))
    allowed.dispose()
