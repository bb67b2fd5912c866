"""Administering accounts: edit, disable, reset a password, unlock — each audited, each refused to
non-administrators, and never leaving the database without an active administrator."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from desk_app.db.models import AuditEntry, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.errors import NotFoundError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services.accounts import (
    AccountDisabledError,
    AccountLockedError,
    AuthenticationError,
    UserInfo,
    authenticate,
    create_user,
    generate_temporary_password,
    is_locked,
    list_users,
    must_change_password,
    reset_password,
    unlock_user,
    update_user,
    validate_password,
)
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff


def _user(db: Database, username: str) -> UserInfo:
    return next(u for u in list_users(db) if u.username == username)


#: The audit actions of account administration.
ADMINISTRATION = ("user_created", "user_changed", "role_changed", "password_reset", "user_unlocked")


def _admin_log(db: Database) -> list[dict[str, object]]:
    with db.unit_of_work() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action.in_(ADMINISTRATION))
                                  .order_by(AuditEntry.seq)).all()
        return [dict(e.detail) | {"_user_id": e.user_id} for e in entries]


def test_update_changes_only_what_is_given_and_is_audited(database: Database, staff: Staff) -> None:
    clerk = _user(database, "clerk")
    info = update_user(database, staff.admin, clerk.id, display_name="  李柜员 ", role=Role.HANDLER,
                       version=clerk.version)
    assert (info.display_name, info.role, info.active, info.branch_code) == ("李柜员", Role.HANDLER, True, "SH01")
    entry = _admin_log(database)[-1]
    assert entry["operation"] == "update_user" and entry["username"] == "clerk"
    assert entry["changes"] == {"display_name": ["Clerk", "李柜员"], "role": ["counter_clerk", "handler"]}
    assert entry["_user_id"] == staff.admin.user_id
    before = len(_admin_log(database))
    update_user(database, staff.admin, clerk.id, display_name="李柜员")  # no change: nothing written
    assert len(_admin_log(database)) == before


def test_update_moves_a_user_to_another_branch(database: Database, staff: Staff) -> None:
    bj = _user(database, "bjclerk")
    sh = _user(database, "clerk")
    info = update_user(database, staff.admin, sh.id, branch_id=bj.branch_id)
    assert info.branch_code == "BJ01" and authenticate(database, "clerk", PASSWORD).branch_code == "BJ01"
    with pytest.raises(NotFoundError):
        update_user(database, staff.admin, sh.id, branch_id=uuid.uuid4())


def test_disabled_accounts_cannot_sign_in_until_enabled(database: Database, staff: Staff) -> None:
    handler = _user(database, "handler")
    assert not update_user(database, staff.admin, handler.id, active=False).active
    with pytest.raises(AccountDisabledError):
        authenticate(database, "handler", PASSWORD)
    update_user(database, staff.admin, handler.id, active=True)
    assert authenticate(database, "handler", PASSWORD).username == "handler"
    assert [e["changes"] for e in _admin_log(database)[-2:]] == [{"active": [True, False]},
                                                                 {"active": [False, True]}]


def test_stale_version_is_refused(database: Database, staff: Staff) -> None:
    clerk = _user(database, "clerk")
    update_user(database, staff.admin, clerk.id, display_name="First")
    with pytest.raises(StaleVersionError):
        update_user(database, staff.admin, clerk.id, display_name="Second", version=clerk.version)
    assert _user(database, "clerk").display_name == "First"


def test_validation(database: Database, staff: Staff) -> None:
    clerk = _user(database, "clerk")
    with pytest.raises(ValidationError) as exc:
        update_user(database, staff.admin, clerk.id, display_name="   ")
    assert exc.value.field == "display_name"
    with pytest.raises(NotFoundError):
        update_user(database, staff.admin, uuid.uuid4(), display_name="x")


@pytest.mark.parametrize("who", ["clerk", "handler", "supervisor", "manager"])
def test_non_administrators_are_refused(database: Database, staff: Staff, who: str) -> None:
    actor: Actor = getattr(staff, who)
    target = _user(database, "clerk")
    before = len(_admin_log(database))
    with pytest.raises(PermissionDeniedError):
        update_user(database, actor, target.id, display_name="Hacked")
    with pytest.raises(PermissionDeniedError):
        reset_password(database, actor, target.id, "temp2026x")
    with pytest.raises(PermissionDeniedError):
        unlock_user(database, actor, target.id)
    assert _user(database, "clerk").display_name == "Clerk" and len(_admin_log(database)) == before


def test_admin_cannot_disable_or_demote_themselves(database: Database, staff: Staff) -> None:
    create_user(database, staff.admin, username="admin2", display_name="Second admin", password="keeper2026x",
                role=Role.ADMINISTRATOR, must_change_password=False)
    with pytest.raises(ValidationError) as exc:
        update_user(database, staff.admin, staff.admin.user_id, active=False)
    assert exc.value.field == "active"
    with pytest.raises(ValidationError) as exc:
        update_user(database, staff.admin, staff.admin.user_id, role=Role.HQ_ANALYST)
    assert exc.value.field == "role"
    assert _user(database, "admin").active and _user(database, "admin").role is Role.ADMINISTRATOR


def test_the_last_active_administrator_stays(database: Database, staff: Staff) -> None:
    info = create_user(database, staff.admin, username="admin2", display_name="Second admin",
                       password="keeper2026x", role=Role.ADMINISTRATOR, must_change_password=False)
    second = authenticate(database, "admin2", "keeper2026x")
    # With two active administrators one may demote the other, and promote them again.
    update_user(database, second, staff.admin.user_id, role=Role.HQ_ANALYST)
    update_user(database, second, staff.admin.user_id, role=Role.ADMINISTRATOR)
    # admin disables admin2; admin2's session (still open elsewhere) may not then remove the last one.
    update_user(database, staff.admin, info.id, active=False)
    for change in ({"active": False}, {"role": Role.SUPERVISOR}):
        with pytest.raises(ValidationError, match="last active administrator"):
            update_user(database, second, staff.admin.user_id, **change)  # type: ignore[arg-type]
    admin = _user(database, "admin")
    assert admin.active and admin.role is Role.ADMINISTRATOR
    # A disabled administrator does not count: enabling admin2 again makes the demotion possible.
    update_user(database, staff.admin, info.id, active=True)
    assert update_user(database, second, staff.admin.user_id, role=Role.SUPERVISOR).role is Role.SUPERVISOR


def test_reset_password_sets_a_temporary_one_and_forces_a_change(database: Database, staff: Staff) -> None:
    clerk = _user(database, "clerk")
    temporary = generate_temporary_password()
    validate_password(temporary)
    info = reset_password(database, staff.admin, clerk.id, temporary)
    assert info.must_change_password
    actor = authenticate(database, "clerk", temporary)
    assert must_change_password(database, actor)
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(database, "clerk", PASSWORD)
    entry = _admin_log(database)[-1]
    assert entry["operation"] == "reset_password" and temporary not in repr(entry)
    with pytest.raises(ValidationError) as exc:
        reset_password(database, staff.admin, clerk.id, "short1")
    assert exc.value.field == "password"


def test_unlock_lifts_a_lockout_and_reset_does_too(database: Database, staff: Staff) -> None:
    for _attempt in range(5):
        with pytest.raises(AuthenticationError):
            authenticate(database, "handler", "wrong-password")
    handler = _user(database, "handler")
    assert is_locked(handler)
    with pytest.raises(AccountLockedError):
        authenticate(database, "handler", PASSWORD)
    assert not is_locked(unlock_user(database, staff.admin, handler.id))
    assert authenticate(database, "handler", PASSWORD).username == "handler"
    assert _admin_log(database)[-1]["operation"] == "unlock_user"
    before = len(_admin_log(database))
    unlock_user(database, staff.admin, handler.id)  # nothing to unlock: not audited again
    assert len(_admin_log(database)) == before

    with database.unit_of_work() as session:
        session.execute(update(User).where(User.id == handler.id).values(locked_until=utcnow() + timedelta(hours=1)))
    reset_password(database, staff.admin, handler.id, "fresh2026x")
    assert authenticate(database, "handler", "fresh2026x").username == "handler"


def test_branch_administrator_manages_only_their_branch(database: Database, staff: Staff) -> None:
    bj_admin = create_user(database, staff.admin, username="bjadmin", display_name="BJ admin",
                           password="keeper2026x", role=Role.ADMINISTRATOR,
                           branch_id=_user(database, "bjclerk").branch_id, must_change_password=False)
    actor = authenticate(database, "bjadmin", "keeper2026x")
    assert not actor.is_hq and actor.branch_id == bj_admin.branch_id
    bjclerk = _user(database, "bjclerk")
    assert update_user(database, actor, bjclerk.id, display_name="北京柜员").display_name == "北京柜员"
    with pytest.raises(PermissionDeniedError):
        update_user(database, actor, _user(database, "clerk").id, display_name="x")
    with pytest.raises(PermissionDeniedError):
        reset_password(database, actor, _user(database, "clerk").id, "temp2026x")
    with pytest.raises(PermissionDeniedError):
        update_user(database, actor, bjclerk.id, branch_id=staff.admin.branch_id)
    # the HQ analyst role sees every branch: a branch administrator may not hand it out
    with pytest.raises(PermissionDeniedError, match="headquarters"):
        update_user(database, actor, bjclerk.id, role=Role.HQ_ANALYST)
    with pytest.raises(PermissionDeniedError, match="headquarters"):
        create_user(database, actor, username="bjanalyst", display_name="x", password="keeper2026x",
                    role=Role.HQ_ANALYST)
    assert _user(database, "bjclerk").role == Role.COUNTER_CLERK.value


def test_create_user_is_audited(database: Database, staff: Staff) -> None:
    create_user(database, staff.admin, username="newbie", display_name="新人", password="fresh2026x",
                role=Role.COUNTER_CLERK)
    entry = _admin_log(database)[-1]
    assert entry == {"operation": "create_user", "username": "newbie", "role": "counter_clerk", "branch": "SH01",
                     "_user_id": staff.admin.user_id}


def test_audit_viewer_filters_pages_and_scopes_administration(database: Database, staff: Staff) -> None:
    from desk_app.services.audit import list_entries, verify_log

    clerk = _user(database, "clerk")
    for n in range(3):
        update_user(database, staff.admin, clerk.id, display_name=f"Clerk {n}")
    admin_entries = list_entries(database, staff.admin, user_id=staff.admin.user_id, action="user_changed")
    assert len(admin_entries) == 3 and all(e.user_name == "管理员" for e in admin_entries)
    assert admin_entries == sorted(admin_entries, key=lambda e: -e.seq)  # newest first
    first, second = (list_entries(database, staff.admin, limit=2, offset=n) for n in (0, 2))
    assert [e.seq for e in first + second] == [e.seq for e in list_entries(database, staff.admin, limit=4)]
    assert list_entries(database, staff.admin, action="letter_reprint") == []
    assert list_entries(database, staff.admin, case_number="NO-SUCH") == []
    now = utcnow()
    assert list_entries(database, staff.admin, since=now + timedelta(minutes=1)) == []
    assert len(list_entries(database, staff.admin, until=now + timedelta(minutes=1))) == len(
        list_entries(database, staff.admin))
    assert verify_log(database, staff.admin) is None
    for actor in (staff.clerk, staff.supervisor, staff.manager):
        with pytest.raises(PermissionDeniedError):
            list_entries(database, actor)
        with pytest.raises(PermissionDeniedError):
            verify_log(database, actor)
    # An administrator of another branch sees only what their branch's staff did.
    create_user(database, staff.admin, username="bjadmin", display_name="BJ admin", password="keeper2026x",
                role=Role.ADMINISTRATOR, branch_id=_user(database, "bjclerk").branch_id, must_change_password=False)
    bj_admin = authenticate(database, "bjadmin", "keeper2026x")
    seen = list_entries(database, bj_admin)  # their branch's sign-ins, nothing of headquarters' staff
    assert seen and {e.user_name for e in seen} <= {"BJ clerk", "BJ admin"}
    update_user(database, bj_admin, _user(database, "bjclerk").id, display_name="北京")
    assert [(e.user_name, e.action) for e in list_entries(database, bj_admin, user_id=bj_admin.user_id)] == [
        ("BJ admin", "user_changed"), ("BJ admin", "sign_in")]


def test_audit_viewer_finds_a_case_by_part_of_its_number(database: Database, staff: Staff) -> None:
    from desk_app.services.audit import list_entries
    from desk_app.services.complaints import register_complaint
    from desk_app.services.personal_data import reveal_customer
    from tests.support.staff import draft

    case = register_complaint(database, staff.clerk, draft())
    reveal_customer(database, staff.handler, case.id, purpose="回访")
    tail = case.case_number[-6:].lower()
    found = list_entries(database, staff.admin, case_number=tail)
    assert [(e.action, e.case_number, e.user_name) for e in found] == [
        ("view_personal_data", case.case_number, "Handler")]
    assert list_entries(database, staff.admin, case_number="%") == []  # wildcards are literal
