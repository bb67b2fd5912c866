"""Saving the intake form: the checks, the draft for the service, registering the case, the receipt banner.

Errors go next to their fields and the input stays; a lost connection keeps everything typed (also as a
draft on disk) and offers a retry; when the case is registered but its attachments could not be stored,
the case stands and the files are offered again (``retry_attachments``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from desk_app.domain.enums import SpecialFlag
from desk_app.errors import DatabaseUnavailableError, UserError, ValidationError
from desk_app.i18n import _
from desk_app.services.attachments import AttachmentFile, AttachmentInfo, add_attachments
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail, ComplaintDraft, PartyDraft
from desk_app.services.grumbles import link_complaint
from ui.errors import show_error
from ui.intake.outcome import SaveOutcome, outcome_text
from ui.intake.section import Problems
from ui.tasks import run_call

if TYPE_CHECKING:
    from ui.intake.intake_page import IntakePage

#: Service field names (ValidationError.field) → the form's field keys.
SERVICE_FIELDS = {"id_number": "customer.id_number", "phone": "customer.phone", "request_kind": "request_kinds",
                  "parties.authorisation": "agent.authorisation", "customer": "customer.name"}


class SaveFlow(QObject):
    """The intake page's Save: check, build the draft, register off the GUI thread, show the outcome."""

    def __init__(self, page: IntakePage) -> None:
        super().__init__(page)
        self.page = page
        self.saving = False
        self.last_saved: ComplaintDetail | None = None
        self.outcome: SaveOutcome | None = None
        self._retry: tuple[uuid.UUID, list[AttachmentFile]] | None = None

    # -- checks --------------------------------------------------------------------------------------
    def problems(self) -> Problems:
        page = self.page
        today = datetime.now(page.tz).date()
        found: Problems = []
        found += page.customer.problems()
        found += page.agent.problems()
        if page.classification.flags[SpecialFlag.GROUP].isChecked():
            found += page.representatives.problems()
        found += page.facts.problems(today)
        found += page.request.problems()
        found += page.classification.problems()
        if not page.recusal.isChecked():
            found.append(("recusal", _("Confirm that you have no personal interest in this complaint (回避) "
                                       "before saving; otherwise hand it to a colleague.")))
        return found

    def clear_errors(self) -> None:
        for field in self.page.fields.values():
            field.clear_error()
        self.page.error_banner.show_message("")
        self.page.retry_save_button.hide()

    def show_problems(self, problems: Problems) -> None:
        """Show each message next to its field (several on one field are joined) and focus the first
        field; a message that belongs to no field goes to the banner above the form."""
        fields = self.page.fields
        by_key: dict[str, list[str]] = {}
        for key, message in problems:
            by_key.setdefault(self._form_key(key), []).append(message)
        unplaced: list[str] = []
        for key, messages in by_key.items():
            if key in fields:
                fields[key].show_error("\n".join(dict.fromkeys(messages)))
            else:
                unplaced += messages
        placed = len(by_key) - (1 if unplaced else 0) * sum(1 for k in by_key if k not in fields)
        summary = _("{n} field(s) need attention; nothing was saved yet.").format(n=placed) if placed else \
            _("Nothing was saved; your input is kept.")
        self.page.error_banner.show_message("\n".join([*unplaced, summary]))
        target = next((fields[k].focus for k in by_key if k in fields), None)
        if target is not None:
            self.page.scroll_area.ensureWidgetVisible(target)
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _form_key(self, service_field: str) -> str:
        agent = self.page.agent
        if service_field == "parties.name":
            return "agent.name" if agent.has_agent.isChecked() and not agent.name.text().strip() else "parties"
        return SERVICE_FIELDS.get(service_field, service_field)

    def build_draft(self) -> ComplaintDraft:
        """The ComplaintDraft for the service (call after ``problems()`` came back empty)."""
        page = self.page
        customer = page.customer.draft()
        customer_id = page.picked_customer_id()
        parties: list[PartyDraft] = []
        agent = page.agent.party()
        if agent is not None:
            parties.append(agent)
        classification, facts, request = page.classification, page.facts, page.request
        flags = classification.selected_flags()
        if SpecialFlag.GROUP in flags:
            parties += page.representatives.parties()
        pickers = classification.pickers
        axis_d = pickers["D"].code() if classification.uses_d else None
        return ComplaintDraft(
            channel=classification.channel.value(), axis_a=pickers["A"].code() or "",
            axis_b=pickers["B"].code() or "", axis_c=pickers["C"].code() or "",
            severity=classification.severity.value(), facts_what=facts.what.toPlainText(),
            customer=None if customer_id else customer, customer_id=customer_id, axis_d=axis_d, flags=flags,
            received_at=classification.received_at(), request_kinds=request.selected_in_order(),
            request_text=request.text.toPlainText(), claimed_amount=request.claimed.text(),
            facts_when=facts.facts_when(), facts_where=facts.where.text(),
            facts_amount=facts.amount.text(), respondent=facts.respondent.text(),
            parties=tuple(parties), recusal_declared=page.recusal.isChecked(),
        )

    # -- saving --------------------------------------------------------------------------------------
    def save(self) -> None:
        page = self.page
        if self.saving or not page.ready:
            return
        if page.pending_draft is not None:
            page.restore_button.setFocus()
            page.error_banner.show_message(_("First restore or discard the unfinished complaint."))
            return
        self.clear_errors()
        for picker in page.classification.pickers.values():
            picker.resolve()
        problems = self.problems()
        if problems:
            self.show_problems(problems)
            return
        try:
            draft = self.build_draft()
        except ValidationError as exc:
            self.show_problems([(exc.field or "", str(exc))])
            return
        files = page.attachments.files()
        grumble_id = page.grumble_id  # the grumble this form was filled from, if it was
        self.saving = True
        page.save_button.setEnabled(False)
        page.draft_status.setText(_("Saving…"))
        backend, actor = page.ctx.backend, page.actor

        def work() -> SaveOutcome:
            detail = backend.call(actor, register_complaint, draft)
            stored: list[AttachmentInfo] = []
            error: BaseException | None = None
            if files:
                try:
                    stored = backend.call(actor, add_attachments, detail.id, files)
                except Exception as exc:  # the case stands; the files are offered again
                    error = exc
            link_error: BaseException | None = None
            if grumble_id is not None:
                try:
                    backend.call(actor, link_complaint, grumble_id, detail.id)
                except Exception as exc:  # the case stands; the message says why it is not linked
                    link_error = exc
            return SaveOutcome(detail, stored, error, files, grumble_id, link_error)

        run_call(page, work, self._saved, self._save_failed)

    def _save_failed(self, exc: BaseException) -> None:
        page = self.page
        self.saving = False
        page.save_button.setEnabled(True)
        page.draft_status.setText("")
        if isinstance(exc, ValidationError) and exc.field:
            self.show_problems([(exc.field, str(exc))])
        elif isinstance(exc, DatabaseUnavailableError):
            # the connection is gone: keep everything typed (also as a draft on disk) and offer a retry
            page.autosave.dirty = True
            page.autosave.save_now()
            page.error_banner.show_message(str(exc) + "\n" + _("Nothing was saved; your input is kept."))
            page.retry_save_button.show()
            page.retry_save_button.setFocus()
        elif isinstance(exc, UserError):
            page.error_banner.show_message(str(exc) + "\n" + _("Nothing was saved; your input is kept."))
        else:
            page.error_banner.show_message(_("Nothing was saved; your input is kept."))
            show_error(page, exc)

    def _saved(self, result: SaveOutcome) -> None:
        page = self.page
        self.saving = False
        page.save_button.setEnabled(True)
        self.last_saved = result.detail
        self.outcome = result
        self._retry = (result.detail.id, result.files) if result.attachment_error is not None else None
        page.autosave.discard()
        page.reset_form()
        self.show_outcome()
        page.draft_status.setText("")
        if result.attachment_error is not None and not isinstance(result.attachment_error, UserError):
            show_error(page, result.attachment_error)
        page.sig_saved.emit(result.detail.id)
        if result.grumble_id is not None and result.link_error is None:
            page.sig_saved_from_grumble.emit(result.grumble_id, result.detail.id)

    # -- the outcome ---------------------------------------------------------------------------------
    def show_outcome(self) -> None:
        """The last case's number and dates in the banner above the form (again after a language switch)."""
        if self.outcome is None:
            return
        self.page.result_banner.show_message(outcome_text(self.outcome, self.page.tz))
        self.page.retry_button.setVisible(self._retry is not None)

    def forget_outcome(self) -> None:
        self.page.result_banner.show_message("")
        self.outcome = None

    def retry_attachments(self) -> None:
        if self._retry is None or self.saving:
            return
        complaint_id, files = self._retry
        page = self.page
        backend, actor = page.ctx.backend, page.actor
        page.retry_button.setEnabled(False)

        def done(result: list[AttachmentInfo]) -> None:
            if self.outcome is not None:
                self._retry = None
                self.outcome = SaveOutcome(self.outcome.detail, result, None, [])
                page.retry_button.setEnabled(True)
                self.show_outcome()

        def failed(exc: BaseException) -> None:
            page.retry_button.setEnabled(True)
            show_error(page, exc)

        run_call(page, lambda: backend.call(actor, add_attachments, complaint_id, files), done, failed)
