"""Branches: list, create, edit — validated, code unique, audited, and refused outside an administrator's scope."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlalchemy import select

from desk_app.db.models import AuditEntry
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Regime, Role
from desk_app.errors import NotFoundError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services.accounts import authenticate, create_user, list_users, update_user
from desk_app.services.branches import BranchFields, BranchInfo, create_branch, list_branches, update_branch
from tests.support.staff import Staff

GZ = BranchFields(name="广州天河支行", institution_type=InstitutionType.INSURER, name_en="Guangzhou Tianhe",
                  address="广州市天河区体育西路1号", hotline="020-12345678", superior_institution="广东分公司",
                  superior_contact="电话：020-88888888", timezone="Asia/Shanghai")


def _branch(db: Database, code: str) -> BranchInfo:
    return next(b for b in list_branches(db) if b.code == code)


def _admin_log(db: Database) -> list[dict[str, object]]:
    with db.unit_of_work() as session:
        return [dict(e.detail) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "branch_changed").order_by(AuditEntry.seq))]


def test_list_puts_headquarters_first_with_user_counts(database: Database, staff: Staff) -> None:
    branches = list_branches(database)
    assert [b.code for b in branches] == ["SH01", "BJ01"]
    assert branches[0].is_headquarters and branches[0].active_users == 5 and branches[1].active_users == 1


def test_create_validates_normalises_and_audits(database: Database, staff: Staff) -> None:
    info = create_branch(database, staff.admin, " gz01 ", GZ)
    assert (info.code, info.name, info.regime, info.is_headquarters) == ("GZ01", "广州天河支行",
                                                                         Regime.BANKING_INSURANCE, False)
    assert _branch(database, "GZ01").fields() == GZ
    assert _admin_log(database)[-1] == {"operation": "create_branch", "branch": "GZ01", "name": "广州天河支行"}
    utility = create_branch(database, staff.admin, "SZ02", replace(GZ, institution_type=InstitutionType.UTILITY))
    assert utility.regime is Regime.MARKET_REGULATION


@pytest.mark.parametrize(("code", "values", "field"), [
    ("GZ 01", GZ, "branch_code"),
    ("", GZ, "branch_code"),
    ("广州01", GZ, "branch_code"),
    ("X" * 17, GZ, "branch_code"),
    ("GZ01", replace(GZ, name="  "), "name"),
    ("GZ01", replace(GZ, hotline="call us"), "hotline"),
    ("GZ01", replace(GZ, timezone="Mars/Olympus"), "timezone"),
    ("GZ01", replace(GZ, address="路" * 301), "address"),
])
def test_create_refuses_bad_input(database: Database, staff: Staff, code: str, values: BranchFields,
                                  field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        create_branch(database, staff.admin, code, values)
    assert exc.value.field == field
    assert [b.code for b in list_branches(database)] == ["SH01", "BJ01"]


def test_code_is_unique_whatever_the_case(database: Database, staff: Staff) -> None:
    with pytest.raises(ValidationError, match="already used") as exc:
        create_branch(database, staff.admin, "bj01", GZ)
    assert exc.value.field == "branch_code"


def test_update_changes_the_letterhead_and_regime_and_audits(database: Database, staff: Staff) -> None:
    bj = _branch(database, "BJ01")
    values = replace(bj.fields(), hotline="95588", address="北京市朝阳区建国路1号",
                     institution_type=InstitutionType.OTHER, logo_path="/srv/logo.png")
    info = update_branch(database, staff.admin, bj.id, values, version=bj.version)
    assert (info.hotline, info.regime, info.code, info.logo_path) == ("95588", Regime.MARKET_REGULATION, "BJ01",
                                                                      "/srv/logo.png")
    changes = _admin_log(database)[-1]["changes"]
    assert isinstance(changes, dict)
    assert set(changes) == {"hotline", "address", "institution_type", "regime", "logo_path"}
    assert changes["regime"] == ["banking_insurance", "market_regulation"]
    with pytest.raises(StaleVersionError):
        update_branch(database, staff.admin, bj.id, replace(values, hotline="95599"), version=bj.version)
    with pytest.raises(NotFoundError):
        update_branch(database, staff.admin, uuid.uuid4(), values)


def test_closing_a_branch_needs_it_empty_and_never_headquarters(database: Database, staff: Staff) -> None:
    bj = _branch(database, "BJ01")
    with pytest.raises(ValidationError, match="active accounts") as exc:
        update_branch(database, staff.admin, bj.id, replace(bj.fields(), active=False))
    assert exc.value.field == "active"
    bjclerk = next(u for u in list_users(database) if u.username == "bjclerk")
    update_user(database, staff.admin, bjclerk.id, active=False)
    assert not update_branch(database, staff.admin, bj.id, replace(bj.fields(), active=False)).active
    # a user cannot be moved into a closed branch
    with pytest.raises(ValidationError, match="closed"):
        update_user(database, staff.admin, staff.clerk.user_id, branch_id=bj.id)
    sh = _branch(database, "SH01")
    with pytest.raises(ValidationError, match="Headquarters"):
        update_branch(database, staff.admin, sh.id, replace(sh.fields(), active=False))


@pytest.mark.parametrize("who", ["clerk", "handler", "supervisor", "manager"])
def test_non_administrators_are_refused(database: Database, staff: Staff, who: str) -> None:
    actor = getattr(staff, who)
    sh = _branch(database, "SH01")
    with pytest.raises(PermissionDeniedError):
        create_branch(database, actor, "GZ01", GZ)
    with pytest.raises(PermissionDeniedError):
        update_branch(database, actor, sh.id, replace(sh.fields(), hotline="110"))
    assert _branch(database, "SH01").hotline == sh.hotline and len(list_branches(database)) == 2


def test_branch_administrator_edits_only_their_branch_and_adds_none(database: Database, staff: Staff) -> None:
    bj = _branch(database, "BJ01")
    create_user(database, staff.admin, username="bjadmin", display_name="BJ admin", password="keeper2026x",
                role=Role.ADMINISTRATOR, branch_id=bj.id, must_change_password=False)
    actor = authenticate(database, "bjadmin", "keeper2026x")
    assert update_branch(database, actor, bj.id, replace(bj.fields(), hotline="010-5555666")).hotline == \
        "010-5555666"
    sh = _branch(database, "SH01")
    with pytest.raises(PermissionDeniedError):
        update_branch(database, actor, sh.id, replace(sh.fields(), hotline="110"))
    with pytest.raises(PermissionDeniedError, match="headquarters"):
        create_branch(database, actor, "GZ01", GZ)
