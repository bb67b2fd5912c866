"""What the intake form shows after saving: case number, statutory dates, warnings, attachments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from desk_app.domain.enums import Regime
from desk_app.i18n import _
from desk_app.services.attachments import AttachmentFile, AttachmentInfo
from desk_app.services.dto import ComplaintDetail


@dataclass(frozen=True)
class SaveOutcome:
    detail: ComplaintDetail
    attachments: list[AttachmentInfo]
    attachment_error: BaseException | None
    files: list[AttachmentFile]
    """The files meant for the case (kept for a retry when storing them failed)."""
    grumble_id: uuid.UUID | None = None
    """The grumble the form was filled from ("turn into a complaint"), linked to the case."""
    link_error: BaseException | None = None
    """Why the case could not be linked to that grumble (the case stands)."""


def outcome_text(outcome: SaveOutcome, tz: ZoneInfo) -> str:
    detail = outcome.detail
    lines = [_("Registered as case {number}.").format(number=detail.case_number)]
    if detail.regime is Regime.MARKET_REGULATION and detail.acceptance_due_on:
        lines.append(_("Accept or refuse by {date}.").format(date=detail.acceptance_due_on.isoformat()))
    lines.append(_("Statutory due date: {date}; rules: {regime}.").format(date=detail.due_on.isoformat(),
                                                                         regime=detail.regime.label))
    lines.append(_("First contact with the customer by {time}.").format(
        time=detail.first_contact_due.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    if detail.escalated:
        lines.append(_("Special complaint: escalated to a supervisor."))
    lines += [_("Deadline warning: {warning}").format(warning=w) for w in detail.deadline_warnings]
    if outcome.grumble_id is not None:
        lines.append(_("The case could not be linked to its grumble: {error}").format(error=outcome.link_error)
                     if outcome.link_error is not None else _("Linked to the grumble it was turned from."))
    if outcome.attachment_error is not None:
        lines.append(_("The attachments could not be stored: {error}").format(error=outcome.attachment_error))
    elif outcome.attachments:
        lines.append(_("{n} attachment(s) stored.").format(n=len(outcome.attachments)))
    return "\n".join(lines)
