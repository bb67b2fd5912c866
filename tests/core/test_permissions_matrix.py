"""The role × permission matrix as data: complete, consistent with the domain, labelled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desk_app import i18n
from desk_app.domain.enums import Role
from desk_app.domain.permissions import (
    COMPENSATION_LIMITS,
    ROLE_PERMISSIONS,
    Permission,
    compensation_limit,
    has_permission,
    roles_with,
)

BRANCH_STAFF = (Role.COUNTER_CLERK, Role.HANDLER, Role.SUPERVISOR, Role.BRANCH_MANAGER)


def test_every_role_has_a_row_and_every_permission_a_holder() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    for permission in Permission:
        assert roles_with(permission), permission


def test_counter_clerk_registers_but_neither_handles_nor_approves() -> None:
    clerk = Role.COUNTER_CLERK
    assert has_permission(clerk, Permission.REGISTER) and has_permission(clerk, Permission.ISSUE_RECEIPT)
    for permission in (Permission.HANDLE_CASE, Permission.ASSIGN, Permission.APPROVE_COMPENSATION,
                       Permission.APPROVE_EXTENSION, Permission.ISSUE_LETTER, Permission.REPORTS):
        assert not has_permission(clerk, permission), permission
    assert compensation_limit(clerk) is None


def test_only_the_administrator_administers_and_anonymises() -> None:
    assert roles_with(Permission.ADMINISTER) == (Role.ADMINISTRATOR,)
    assert roles_with(Permission.ANONYMISE) == (Role.ADMINISTRATOR,)


def test_approvals_climb_the_hierarchy() -> None:
    assert roles_with(Permission.ASSIGN) == (Role.SUPERVISOR, Role.BRANCH_MANAGER)
    assert roles_with(Permission.APPROVE_COMPENSATION) == (Role.SUPERVISOR, Role.BRANCH_MANAGER)
    assert roles_with(Permission.APPROVE_EXTENSION) == (Role.BRANCH_MANAGER,)
    assert roles_with(Permission.ISSUE_REVIEW_DECISION) == (Role.SUPERVISOR, Role.BRANCH_MANAGER)


def test_every_compensation_approver_has_a_limit_and_the_manager_the_larger() -> None:
    approvers = roles_with(Permission.APPROVE_COMPENSATION)
    assert set(COMPENSATION_LIMITS) == set(approvers)
    assert compensation_limit(Role.SUPERVISOR) == Decimal("5000")
    assert compensation_limit(Role.BRANCH_MANAGER) == Decimal("50000")
    for role in set(Role) - set(approvers):
        assert compensation_limit(role) is None


def test_headquarters_reads_and_maintains_but_does_not_handle_cases() -> None:
    analyst = Role.HQ_ANALYST
    for permission in (Permission.VIEW_CASE, Permission.REPORTS, Permission.CONSOLIDATE, Permission.MANAGE_GUIDANCE,
                       Permission.MANAGE_REFERENCE_DATA, Permission.VIEW_AUDIT_LOG):
        assert has_permission(analyst, permission), permission
    for permission in (Permission.REGISTER, Permission.EDIT_CASE, Permission.HANDLE_CASE,
                       Permission.SEE_PERSONAL_DATA, Permission.EXPORT_PERSONAL_DATA, Permission.ADMINISTER):
        assert not has_permission(analyst, permission), permission


def test_personal_data_on_screen_is_for_branch_staff_only() -> None:
    assert roles_with(Permission.SEE_PERSONAL_DATA) == BRANCH_STAFF


def test_handling_implies_editing_and_viewing() -> None:
    for role in Role:
        if has_permission(role, Permission.HANDLE_CASE):
            assert has_permission(role, Permission.EDIT_CASE)
        assert has_permission(role, Permission.VIEW_CASE)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_permission_has_a_label(language: str) -> None:
    i18n.set_language(language)
    labels = [p.label for p in Permission]
    assert all(labels) and len(set(labels)) == len(labels)
