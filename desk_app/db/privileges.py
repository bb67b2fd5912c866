"""Least privilege on PostgreSQL: the desk server's login role is a member of ``desk_runtime``, which
may read and write the working tables but may only INSERT into the case timelines and the audit log.

The tables belong to the role that runs ``desk-cli migrate``; the grants are applied by migration 0007
and again after every ``desk-cli migrate`` (idempotent), so tables added by later migrations are covered.
Even a compromised server, holding only the runtime role's password, cannot rewrite history quietly.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

RUNTIME_ROLE = "desk_runtime"
#: Append-only for the runtime role: rows may be added, never changed or removed.
APPEND_ONLY_TABLES = ("complaint_events", "audit_log")


def runtime_role_exists(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": RUNTIME_ROLE}))


def may_create_roles(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")))


def apply_runtime_grants(conn: Connection) -> bool:
    """Create ``desk_runtime`` if the owner may, then (re)apply its grants. False when the role is missing
    and cannot be created (the server then refuses to start; the README says how to create the role)."""
    if conn.dialect.name != "postgresql":
        return False
    if not runtime_role_exists(conn):
        if not may_create_roles(conn):
            return False
        conn.execute(text(f"CREATE ROLE {RUNTIME_ROLE} NOLOGIN"))
    schema = conn.scalar(text("SELECT current_schema()"))
    for statement in (
        f'GRANT USAGE ON SCHEMA "{schema}" TO {RUNTIME_ROLE}',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {RUNTIME_ROLE}',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {RUNTIME_ROLE}',
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {RUNTIME_ROLE}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {RUNTIME_ROLE}",
    ):
        conn.execute(text(statement))
    return True


def owns_tables(conn: Connection) -> bool:
    """True when the connected role owns the tables (or is a superuser): the server must not run as it."""
    return bool(conn.scalar(text(
        "SELECT rolsuper OR pg_has_role(current_user, (SELECT tableowner FROM pg_tables "
        "WHERE tablename = 'alembic_version' AND schemaname = current_schema()), 'USAGE') "
        "FROM pg_roles WHERE rolname = current_user")))
