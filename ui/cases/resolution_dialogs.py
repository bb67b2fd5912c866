"""The resolution's dialogs: a handler proposes it, the approver approves or returns it (from the case or
from the approval queue on the overview), and the customer's answer is recorded. Built on ``ActionDialog``
like every case-action dialog."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QWidget

from desk_app.domain.enums import Role
from desk_app.domain.permissions import compensation_limit
from desk_app.i18n import N_, _
from desk_app.services.approvals import PendingApproval
from desk_app.services.handling import ResolutionInfo
from ui.cases.action_dialogs import ActionDialog
from ui.cases.timeline_widget import money

UPHELD_CHOICES: tuple[tuple[str, bool | None], ...] = (
    (N_("Upheld (the complaint is justified)"), True),
    (N_("Not upheld"), False),
    (N_("Not stated"), None),
)


def propose_dialog(parent: QWidget | None, types: Sequence[tuple[str, str]]) -> ActionDialog:
    dialog = ActionDialog("proposeDialog", _("Propose a resolution"),
                          _("A resolution with money needs the approval of a supervisor or branch manager; "
                            "without money it stands at once."), _("&Propose"), parent)
    items: list[tuple[str, object]] = [(_("— choose —"), None), *types]
    dialog.add_combo("type", _("&Type"), items, required=True)
    dialog.add_text("amount", _("&Amount (yuan)"), placeholder=_("e.g. 3200.00; empty when no money"))
    dialog.add_text("description", _("&Description"), required=True, multiline=True)
    dialog.add_text("basis", _("&Basis"), required=True, multiline=True,
                    placeholder=_("the law, contract clause or internal rule the decision rests on"))
    dialog.add_combo("upheld", _("&Complaint upheld?"), [(_(text), value) for text, value in UPHELD_CHOICES])
    upheld = dialog.fields["upheld"]
    assert isinstance(upheld, QComboBox)
    upheld.setCurrentIndex(len(UPHELD_CHOICES) - 1)
    return dialog


def _resolution_summary(resolution: ResolutionInfo, type_name: str) -> str:
    amount = _("amount {amount} yuan").format(amount=money(resolution.amount)) if resolution.amount else _("no money")
    return _("{type}, {amount}: {description}").format(type=type_name, amount=amount,
                                                       description=resolution.description)


def decide_dialog(parent: QWidget | None, resolution: ResolutionInfo, type_name: str, approve: bool,
                  limit: Decimal | None = None) -> ActionDialog:
    """The approver's own decision: approve, or return with a reason. Above the approver's limit the proposal
    waits for the level that covers it (the approval queue on its approver's overview)."""
    title = _("Approve the resolution") if approve else _("Return the resolution")
    dialog = ActionDialog("decideDialog", title, _resolution_summary(resolution, type_name),
                          _("&Approve") if approve else _("&Return"), parent)
    if resolution.approval_level is not None:
        dialog.show_notice(_("This proposal needs the approval of: {level}. You decide it in person; nobody "
                             "approves their own proposal.").format(level=resolution.approval_level.label))
    if not approve:
        dialog.add_text("reason", _("Reason for re&turning"), required=True, multiline=True)
    return dialog


def approval_dialog(parent: QWidget | None, item: PendingApproval, approve: bool) -> ActionDialog:
    """Decide an item of the approver's queue (a compensation or a 60-day extension) from the overview."""
    if item.kind == "extension":
        title = _("Approve the extension to 60 days") if approve else _("Return the extension request")
        summary = _("Case {number}: extension to 60 days asked by {who}. Reason: {reason}").format(
            number=item.case_number, who=item.requested_by, reason=item.detail)
    else:
        title = _("Approve the compensation") if approve else _("Return the compensation proposal")
        summary = _("Case {number}: {amount} yuan proposed by {who}: {description}").format(
            number=item.case_number, amount=money(item.amount), who=item.requested_by, description=item.detail)
    dialog = ActionDialog("approvalDialog", title, summary, _("&Approve") if approve else _("&Return"), parent)
    if not approve:
        dialog.add_text("reason", _("Reason for re&turning"), required=True, multiline=True)
    return dialog


def customer_decision_dialog(parent: QWidget | None, resolution: ResolutionInfo, type_name: str,
                             accepted: bool) -> ActionDialog:
    title = _("The customer accepts") if accepted else _("The customer rejects")
    dialog = ActionDialog("customerDecisionDialog", title, _resolution_summary(resolution, type_name),
                          _("&Record"), parent)
    dialog.add_text("note", _("&Note"), multiline=True, placeholder=_("optional"))
    if not accepted:
        dialog.show_notice(_("Tell the customer the further remedies: review by the superior institution "
                             "within 30 days, mediation, arbitration or the courts."))
    return dialog


def approval_limit(role: Role) -> Decimal | None:
    """What ``role`` may approve on its own; None when the role approves nothing."""
    return compensation_limit(role)
