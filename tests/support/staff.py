"""Staff of every role in a set-up database, and a valid complaint draft to register."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, InstitutionType, Role, Severity
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.dto import ComplaintDraft, CustomerDraft
from desk_app.services.setup import SetupRequest, initialise
from tests.support.passwords import ADMIN_PASSWORD, PASSWORD


@dataclass(frozen=True)
class Staff:
    admin: Actor
    clerk: Actor
    handler: Actor
    supervisor: Actor
    manager: Actor
    other_branch_clerk: Actor


def make_staff(database: Database) -> Staff:
    """Set up ``database`` (headquarters branch SH01 with its reference data) with a clerk, handler, supervisor
    and branch manager there, and a clerk at a second branch, BJ01; every one signs in with ``PASSWORD``."""
    admin = initialise(database, SetupRequest("SH01", "上海浦东支行", InstitutionType.BANK, "admin", "管理员",
                                              ADMIN_PASSWORD, is_headquarters=True))
    actors = {}
    for login, role in (("clerk", Role.COUNTER_CLERK), ("handler", Role.HANDLER),
                        ("supervisor", Role.SUPERVISOR), ("manager", Role.BRANCH_MANAGER)):
        create_user(database, admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                    branch_id=admin.branch_id, must_change_password=False)
        actors[login] = authenticate(database, login, PASSWORD)
    with database.unit_of_work() as session:
        other = Branch(code="BJ01", name="北京朝阳支行", institution_type="bank", regime="banking_insurance")
        session.add(other)
        session.flush()
        other_id = other.id
    create_user(database, admin, username="bjclerk", display_name="BJ clerk", password=PASSWORD,
                role=Role.COUNTER_CLERK, branch_id=other_id, must_change_password=False)
    return Staff(admin, actors["clerk"], actors["handler"], actors["supervisor"], actors["manager"],
                 authenticate(database, "bjclerk", PASSWORD))


def make_accounts(database: Database, admin: Actor, logins: Iterable[tuple[str, Role]], *,
                  display_name: Callable[[str], str] = str.title) -> dict[str, Actor]:
    """One account per (login, role) at ``admin``'s branch, named ``display_name(login)``, signed in with
    ``PASSWORD``; the signed-in actors by login name."""
    actors = {}
    for login, role in logins:
        create_user(database, admin, username=login, display_name=display_name(login), password=PASSWORD,
                    role=role, branch_id=admin.branch_id, must_change_password=False)
        actors[login] = authenticate(database, login, PASSWORD)
    return actors


def make_branch_staff(database: Database, admin: Actor) -> dict[str, Actor]:
    """A clerk, a handler and a supervisor at ``admin``'s branch, by login name, signed in with ``PASSWORD``."""
    return make_accounts(database, admin, (("clerk", Role.COUNTER_CLERK), ("handler", Role.HANDLER),
                                           ("supervisor", Role.SUPERVISOR)))


def draft(**overrides: object) -> ComplaintDraft:
    """A complete counter complaint (an unauthorised card payment); ``overrides`` replace its fields."""
    values: dict[str, object] = dict(
        channel=Channel.COUNTER, axis_a="A01", axis_b="B0302", axis_c="C09", severity=Severity.GENERAL,
        facts_what="客户反映信用卡出现一笔未授权境外消费3,200.00元", request_kinds=("refund",),
        request_text="要求退还被盗刷款项", claimed_amount="3200",
        customer=CustomerDraft(name="王芳", id_number="11010519491231002X", phone="13812345678"),
    )
    values.update(overrides)
    return ComplaintDraft(**values)  # type: ignore[arg-type]
