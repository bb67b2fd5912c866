"""Every dialog the application opens from its main window, built with sample content: one place that the
screenshots (``tools/screenshots.py``), the screen-fit check (``test_dialog_fit``) and the one-key-one-meaning
check (``test_mnemonics``) all open them from. Each entry is a name and a function that builds the dialog
(not shown); the caller shows it, looks, and closes it.

The case view's dialogs get sample choices (their keys and sizes do not depend on them); the dialogs that need
a case (the decision letter, a new improvement action) are built for ``case_id`` when one is given.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from desk_app.domain.approvals import ApprovalLevel
from desk_app.domain.enums import ApprovalState, Complexity, LetterKind, Role
from desk_app.i18n import _
from desk_app.services.accounts import UserInfo
from desk_app.services.approvals import ApprovalKind, PendingApproval
from desk_app.services.handling import ResolutionInfo

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Gallery = list[tuple[str, Callable[[], QDialog]]]


def sample_pdf() -> bytes:
    """A one-page PDF for the letter preview."""
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "receipt")
    canvas.save()
    return out.getvalue()


def main_dialogs(window: MainWindow) -> Gallery:
    """The dialogs of the menus and pages, and the case view's action dialogs (their choices left empty)."""
    from desk_app.services.reference import list_taxonomy
    from ui.admin.branch_dialog import BranchDialog
    from ui.admin.user_dialog import UserDialog
    from ui.cases import action_dialogs, resolution_dialogs
    from ui.checklists.import_dialog import GuidanceImportDialog
    from ui.dialogs.login_dialog import LoginDialog
    from ui.dialogs.settings_dialog import SettingsDialog
    from ui.intake.code_picker import CodeTreeDialog
    from ui.letters.batch_dialog import BatchLettersDialog
    from ui.letters.preview_dialog import LetterPreviewDialog
    from ui.library.lesson_dialog import lesson_dialog
    from ui.reports.export_dialog import ExportReportDialog
    from ui.reports.import_dialog import ImportDialog

    ctx, actor = window.ctx, window.actor
    made: Gallery = [
        ("settings", lambda: SettingsDialog(ctx, actor, window)),
        ("export", lambda: ExportReportDialog(ctx, actor, window)),
        ("import", lambda: ImportDialog(ctx, actor, window)),
        ("letters due", lambda: BatchLettersDialog(ctx, actor, window)),
        ("checklist import", lambda: GuidanceImportDialog(ctx, actor, window)),
        ("sign-in", lambda: LoginDialog(ctx.backend, window)),
        ("letter preview", lambda: LetterPreviewDialog(sample_pdf(), "receipt", "r.pdf", window)),
        ("code tree", lambda: CodeTreeDialog(ctx.backend.read(list_taxonomy, "C"), None, "", window)),
    ]
    now, tz, today = datetime.now(UTC), ctx.office_tz, date.today()
    made += [  # the case view's own dialogs (their choices left empty: the keys do not depend on them)
        ("transfer", lambda: action_dialogs.transfer_dialog(window, [])),
        ("extension", lambda: action_dialogs.extend_dialog(window, Complexity.COMPLEX, [])),
        ("pause", lambda: action_dialogs.pause_dialog(window, today)),
        ("resume", lambda: action_dialogs.resume_dialog(window, today)),
        ("first contact", lambda: action_dialogs.first_contact_dialog(window, now, tz)),
        ("note", lambda: action_dialogs.note_dialog(window)),
        ("contact", lambda: action_dialogs.contact_dialog(window, now, tz)),
        ("resolution", lambda: resolution_dialogs.propose_dialog(window, [("refund", "退款")])),
        ("callback", lambda: action_dialogs.callback_dialog(window, now, tz)),
        ("library lesson", lambda: lesson_dialog(window)),
    ]
    if window.admin_page is not None:
        branches = window.admin_page.branches if hasattr(window.admin_page, "branches") else []
        made += [("new user", lambda: UserDialog(ctx.backend, actor, list(branches), None, window)),
                 ("new branch", lambda: BranchDialog(ctx.backend, actor, None, window))]
    return made


def approval_dialogs(window: MainWindow) -> Gallery:
    """The approver's decisions from the overview's queue: a compensation and a 60-day extension, approved or
    returned (a long description, as real ones are)."""
    from ui.cases import resolution_dialogs

    made: Gallery = []
    for kind in (ApprovalKind.COMPENSATION, ApprovalKind.EXTENSION):
        item = PendingApproval(kind, uuid.uuid4(), "SH01-20261207-0001", "SH01", ApprovalLevel.SUPERVISOR, "张伟",
                               datetime.now(UTC), Decimal("3200.00"), detail="退还多收的手续费 " * 8)
        for approve in (True, False):
            made.append((f"approval ({'approve' if approve else 'return'} {kind.value})",
                         partial(resolution_dialogs.approval_dialog, window, item, approve)))
    return made


def _sample_resolution() -> ResolutionInfo:
    return ResolutionInfo(uuid.uuid4(), 1, "refund", Decimal("3200.00"), "全额退还被盗刷款项", "《银行卡章程》第十二条",
                          True, ApprovalState.PROPOSED, "经办人老张", "", None, None, None,
                          approval_level=ApprovalLevel.SUPERVISOR)


def more_dialogs(window: MainWindow, case_id: uuid.UUID | None = None) -> Gallery:
    """The rest: assignment, the approver's and the customer's decisions in the case view, escalation, the
    password and unlock dialogs, the signing key, a reset password, the quality scorecard and, for a case, the
    decision letter and a new improvement action."""
    from desk_app.services import quality
    from ui.admin.signing_key_dialog import SigningKeyDialog
    from ui.admin.user_dialog import ResetPasswordDialog
    from ui.cases import action_dialogs, resolution_dialogs
    from ui.cases.link_dialog import link_dialog
    from ui.dialogs.password_dialog import ChangePasswordDialog
    from ui.idle_lock import UnlockDialog
    from ui.quality.page import ScoreDialog

    ctx, actor = window.ctx, window.actor
    handler = UserInfo(uuid.uuid4(), "handler", "经办人老张", Role.HANDLER, actor.branch_id, actor.branch_code,
                       True, False, None, None)
    resolution = _sample_resolution()
    made: Gallery = [
        ("assign", lambda: action_dialogs.assign_dialog(window, [handler], None, reassign=False)),
        ("approve resolution", lambda: resolution_dialogs.decide_dialog(window, resolution, "退款", True)),
        ("return resolution", lambda: resolution_dialogs.decide_dialog(window, resolution, "退款", False)),
        ("customer accepts", lambda: resolution_dialogs.customer_decision_dialog(window, resolution, "退款", True)),
        ("customer rejects", lambda: resolution_dialogs.customer_decision_dialog(window, resolution, "退款", False)),
        ("escalate", lambda: action_dialogs.reason_dialog(
            window, "escalateDialog", _("Escalate to a supervisor"),
            _("For special complaints and cases that need a supervisor's attention."), _("&Reason"), _("&Escalate"))),
        ("change password", lambda: ChangePasswordDialog(ctx.backend, actor, False, window)),
        ("unlock", lambda: UnlockDialog(ctx.backend, actor, window, manual=True)),
        ("link or merge", lambda: link_dialog(window, "SH01-20261107-0003", True)),
    ]
    if window.admin_page is not None:  # at headquarters the signing key dialog registers a branch's key
        branch = "SH01" if actor.is_hq and actor.branch_code != "SH01" else actor.branch_code
        made += [("reset password", lambda: ResetPasswordDialog(ctx.backend, actor, handler, window)),
                 ("signing key", lambda: SigningKeyDialog(ctx.backend, actor, branch, window))]
    if actor.role in (Role.SUPERVISOR, Role.BRANCH_MANAGER, Role.HQ_ANALYST):
        def score() -> QDialog:
            card = ctx.backend.read(quality.scorecard)
            sample = quality.SampleInfo(uuid.uuid4(), 1, "2026-11", case_id or uuid.uuid4(), "SH01-20261107-0003",
                                        handler.id, handler.display_name, actor.branch_code, datetime.now(UTC),
                                        {}, None, "", "", None)
            return ScoreDialog(card, sample, window)

        made.append(("quality scorecard", score))
    if case_id is not None:
        from ui.improvements.dialogs import NewActionDialog
        from ui.letters.issue_dialog import IssueLetterDialog

        made += [("decision letter", lambda: IssueLetterDialog(ctx, actor, case_id, LetterKind.DECISION, window)),
                 ("new improvement action", lambda: NewActionDialog(ctx, actor, (case_id,), "C09", parent=window))]
    return made


def prevention_dialogs(window: MainWindow) -> Gallery:
    """The grumble log (Ctrl+G), the past grumbles (Ctrl+Shift+G) with one opened, and the opportunities, for
    the roles that see them."""
    from desk_app.domain.enums import Channel
    from desk_app.domain.permissions import Permission, has_permission
    from desk_app.services.grumbles import GrumbleInfo
    from ui.grumbles import may_use_opportunities
    from ui.grumbles.grumble_dialog import GrumbleDialog
    from ui.grumbles.grumble_list import GrumbleListDialog
    from ui.grumbles.grumble_view import GrumbleView
    from ui.grumbles.opportunities_dialog import OpportunitiesDialog

    ctx, actor = window.ctx, window.actor
    made: Gallery = []
    if has_permission(actor.role, Permission.REGISTER):
        made.append(("grumble", lambda: GrumbleDialog(ctx, actor, window)))
    if has_permission(actor.role, Permission.VIEW_CASE):
        sample = GrumbleInfo(
            id=uuid.uuid4(), branch_code=actor.branch_code, recorded_at=datetime.now(UTC), recorded_by="柜员小李",
            channel=Channel.COUNTER, axis_b="B0302", business_name="信用卡", axis_c="C09",
            cause_name="消费者资金安全", remark="境外消费被拒且被收取手续费，客户不满",
            action_taken="解释了交易规则并申请减免手续费",
            settled=False, customer_name="王芳", customer_phone="13812345678", masked=False, complaint_id=None,
            case_number="")
        made += [("past grumbles", lambda: GrumbleListDialog(ctx, actor, window)),
                 ("past grumble", lambda: GrumbleView(sample, actor, ctx.office_tz, window))]
    if may_use_opportunities(actor):
        made.append(("opportunities", lambda: OpportunitiesDialog(ctx, actor, window)))
    return made


def every_dialog(window: MainWindow, case_id: uuid.UUID | None = None) -> Gallery:
    return [*main_dialogs(window), *approval_dialogs(window), *more_dialogs(window, case_id),
            *prevention_dialogs(window)]
