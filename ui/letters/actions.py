"""Entry points other windows call: offer the receipt after intake, show an issued letter."""

from __future__ import annotations

import uuid
from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget

from desk_app.documents.content import ReceiptInputs
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind
from desk_app.i18n import _
from desk_app.services import letters
from desk_app.services.letters import IssuedLetter
from ui.context import AppContext
from ui.errors import show_error
from ui.letters.issue_dialog import IssueLetterDialog
from ui.letters.preview_dialog import LetterPreviewDialog, open_preview
from ui.tasks import CancelledFn, ProgressFn, run_with_progress


def _title(letter: IssuedLetter) -> str:
    return f"{letter.kind.label} {letter.number}"


class ReceiptChoice(Enum):
    ISSUE = "issue"
    CHECK = "check"
    """Open the issue form first: read and edit what the receipt says the complaint is about."""
    LATER = "later"


def ask_receipt(parent: QWidget | None, case_number: str) -> ReceiptChoice:
    box = QMessageBox(QMessageBox.Icon.Question, _("Acknowledgement receipt"),
                      _("Case {number} is registered. Issue and print the acknowledgement receipt for the customer "
                        "now?").format(number=case_number), QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(_("The receipt says what the complaint is about in words drafted from the request. "
                             "Check the wording first to read or change them."))
    issue = box.addButton(_("&Issue receipt"), QMessageBox.ButtonRole.AcceptRole)
    check = box.addButton(_("Check the &wording…"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(_("&Later"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(issue)
    box.exec()
    clicked = box.clickedButton()
    return ReceiptChoice.ISSUE if clicked is issue else ReceiptChoice.CHECK if clicked is check \
        else ReceiptChoice.LATER


def offer_receipt(parent: QWidget | None, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, *,
                  case_number: str = "", ask: bool = True) -> LetterPreviewDialog | None:
    """Right after intake: offer to issue the acknowledgement receipt (受理回执), then preview it with
    Print, Save as… and Handed over. Returns the open preview, or None when declined or refused
    (a refusal, e.g. no branch hotline for follow-up, is shown to the user)."""
    choice = ask_receipt(parent, case_number or str(complaint_id)) if ask else ReceiptChoice.ISSUE
    if choice is ReceiptChoice.LATER:
        return None
    if choice is ReceiptChoice.CHECK:
        form = IssueLetterDialog(ctx, actor, complaint_id, LetterKind.RECEIPT, parent)
        form.exec()
        return form.issued_preview

    def work(_progress: ProgressFn, _cancelled: CancelledFn) -> tuple[IssuedLetter, bytes]:
        issued = ctx.backend.call(actor, letters.issue_letter, complaint_id, LetterKind.RECEIPT, ReceiptInputs())
        return issued, ctx.backend.call(actor, letters.reprint, issued.id)

    try:
        issued, pdf = run_with_progress(parent, _("Issuing the acknowledgement receipt…"), work)
    except Exception as exc:
        show_error(parent, exc)
        return None
    return open_preview(LetterPreviewDialog(pdf, _title(issued), issued.file_name, parent, ctx=ctx, actor=actor,
                                            letter=issued))


def show_letter(parent: QWidget | None, ctx: AppContext, actor: Actor,
                letter_id: uuid.UUID) -> LetterPreviewDialog | None:
    """Reprint an issued letter: its stored bytes, never a new rendering."""

    def work(_progress: ProgressFn, _cancelled: CancelledFn) -> tuple[IssuedLetter, bytes]:
        return (ctx.backend.call(actor, letters.get_letter, letter_id),
                ctx.backend.call(actor, letters.reprint, letter_id))

    try:
        issued, pdf = run_with_progress(parent, _("Opening the letter…"), work)
    except Exception as exc:
        show_error(parent, exc)
        return None
    return open_preview(LetterPreviewDialog(pdf, _title(issued), issued.file_name, parent, ctx=ctx, actor=actor,
                                            letter=issued))
