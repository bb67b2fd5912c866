"""Who may do what: one permission per action and the role × permission matrix.

``ROLE_PERMISSIONS`` is the single source of truth. The services enforce it
(``desk_app.services.access.require``); the GUI only uses ``has_permission`` to hide what a role
may not do. Branch scoping (staff act on their own branch's cases, headquarters on all) is a
separate check in ``desk_app.services.access``; compensation approval is further bounded by the
per-role amount limits (``COMPENSATION_LIMITS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from desk_app.domain.enums import Role
from desk_app.domain.handling import APPROVAL_LIMITS
from desk_app.i18n import N_, _


class Permission(StrEnum):
    """An action the services check. Values are stable codes; ``label`` is translated for display."""

    REGISTER = "register"
    FIND_CUSTOMERS = "find_customers"
    VIEW_CASE = "view_case"
    EDIT_CASE = "edit_case"
    HANDLE_CASE = "handle_case"
    ESCALATE = "escalate"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    APPROVE_EXTENSION = "approve_extension"
    APPROVE_COMPENSATION = "approve_compensation"
    ISSUE_RECEIPT = "issue_receipt"
    ISSUE_LETTER = "issue_letter"
    ISSUE_REVIEW_DECISION = "issue_review_decision"
    SEE_PERSONAL_DATA = "see_personal_data"
    REPORTS = "reports"
    EXPORT_PERSONAL_DATA = "export_personal_data"
    IMPORT_CASES = "import_cases"
    CONSOLIDATE = "consolidate"
    MANAGE_IMPROVEMENTS = "manage_improvements"
    INSPECT_QUALITY = "inspect_quality"
    MANAGE_GUIDANCE = "manage_guidance"
    MANAGE_REFERENCE_DATA = "manage_reference_data"
    VIEW_AUDIT_LOG = "view_audit_log"
    ANONYMISE = "anonymise"
    CURATE_LIBRARY = "curate_library"
    ADMINISTER = "administer"

    @property
    def label(self) -> str:
        """What the permission allows, translated (e.g. for refusals and the admin's role table)."""
        return _(_LABELS[self])


_LABELS: dict[Permission, str] = {
    Permission.REGISTER: N_("Register complaints"),
    Permission.FIND_CUSTOMERS: N_("Look up customers and their earlier complaints"),
    Permission.VIEW_CASE: N_("View cases"),
    Permission.EDIT_CASE: N_("Edit case details, checklists, portrait, attachments, callbacks and withdrawals"),
    Permission.HANDLE_CASE: N_("Handle cases (handling steps, contacts, proposals, time limits)"),
    Permission.ESCALATE: N_("Escalate cases"),
    Permission.ASSIGN: N_("Assign and re-assign cases"),
    Permission.TRANSFER: N_("Transfer cases to another branch"),
    Permission.APPROVE_EXTENSION: N_("Approve extensions to 60 days"),
    Permission.APPROVE_COMPENSATION: N_("Approve compensation (up to the role's limit)"),
    Permission.ISSUE_RECEIPT: N_("Issue receipts"),
    Permission.ISSUE_LETTER: N_("Issue decision, refusal and extension letters"),
    Permission.ISSUE_REVIEW_DECISION: N_("Issue review decisions"),
    Permission.SEE_PERSONAL_DATA: N_("See personal data unmasked (own branch)"),
    Permission.REPORTS: N_("Run and export reports"),
    Permission.EXPORT_PERSONAL_DATA: N_("Export unmasked personal data"),
    Permission.IMPORT_CASES: N_("Import cases from spreadsheets"),
    Permission.CONSOLIDATE: N_("Consolidate branch data at headquarters"),
    Permission.MANAGE_IMPROVEMENTS: N_("Manage improvement actions"),
    Permission.INSPECT_QUALITY: N_("Draw and score the monthly quality inspection of closed cases"),
    Permission.MANAGE_GUIDANCE: N_("Load checklists, legal reference and risk word lists"),
    Permission.MANAGE_REFERENCE_DATA: N_("Maintain the holiday calendar"),
    Permission.VIEW_AUDIT_LOG: N_("View the audit log"),
    Permission.ANONYMISE: N_("Anonymise expired personal data (retention)"),
    Permission.CURATE_LIBRARY: N_("Add closed cases to the case library as model cases, and remove them"),
    Permission.ADMINISTER: N_("Administer user accounts"),
}

_P = Permission
_BRANCH_STAFF = frozenset({_P.REGISTER, _P.FIND_CUSTOMERS, _P.VIEW_CASE, _P.EDIT_CASE, _P.ESCALATE,
                           _P.ISSUE_RECEIPT, _P.SEE_PERSONAL_DATA})
_HANDLER = _BRANCH_STAFF | {_P.HANDLE_CASE, _P.ISSUE_LETTER}
_SUPERVISOR = _HANDLER | {_P.ASSIGN, _P.TRANSFER, _P.APPROVE_COMPENSATION, _P.ISSUE_REVIEW_DECISION, _P.REPORTS,
                          _P.EXPORT_PERSONAL_DATA, _P.IMPORT_CASES, _P.MANAGE_IMPROVEMENTS, _P.INSPECT_QUALITY,
                          _P.CURATE_LIBRARY}
_HQ_TOOLS = frozenset({_P.VIEW_CASE, _P.REPORTS, _P.IMPORT_CASES, _P.CONSOLIDATE, _P.MANAGE_IMPROVEMENTS,
                       _P.MANAGE_GUIDANCE, _P.MANAGE_REFERENCE_DATA, _P.VIEW_AUDIT_LOG})

#: The matrix: what each role may do. Every role is a key; a permission not listed is refused.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType({
    Role.COUNTER_CLERK: _BRANCH_STAFF,
    Role.HANDLER: frozenset(_HANDLER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.BRANCH_MANAGER: frozenset(_SUPERVISOR | {_P.APPROVE_EXTENSION}),
    Role.HQ_ANALYST: frozenset(_HQ_TOOLS | {_P.FIND_CUSTOMERS, _P.ESCALATE, _P.INSPECT_QUALITY, _P.CURATE_LIBRARY}),
    Role.ADMINISTRATOR: frozenset(_HQ_TOOLS | {_P.EXPORT_PERSONAL_DATA, _P.ANONYMISE, _P.ADMINISTER}),
})

#: Compensation a role may approve on its own (above it, head office's approval reference is needed);
#: defined with the handling rules, reachable here with the rest of the rights.
COMPENSATION_LIMITS: Mapping[Role, Decimal] = MappingProxyType(APPROVAL_LIMITS)


def has_permission(role: Role, permission: Permission) -> bool:
    """True when ``role`` may perform ``permission`` (branch scoping is checked separately)."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(permission: Permission) -> tuple[Role, ...]:
    """The roles that hold ``permission``, in the order of ``Role``."""
    return tuple(role for role in Role if has_permission(role, permission))


def compensation_limit(role: Role) -> Decimal | None:
    """What ``role`` may approve on its own; None when the role approves no compensation."""
    if not has_permission(role, Permission.APPROVE_COMPENSATION):
        return None
    return COMPENSATION_LIMITS.get(role)
