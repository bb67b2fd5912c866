"""Turning a grumble into a complaint: the intake form is filled from it (through the form's own
``set_state``, as a restored draft is, the grumble's id with it); the intake form's save links the case
registered from that form back to the grumble (``grumbles.link_complaint``), which the prevention funnel
counts. The link belongs to the form's state: a form cleared, or replaced by another draft, before it is
saved links nothing; a draft of the filled form restored later still does."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from desk_app.domain.actor import Actor
from desk_app.i18n import _
from desk_app.services.grumbles import GrumbleInfo
from ui.context import AppContext
from ui.intake.intake_page import IntakePage

#: How long to wait for the intake form's lists before filling it (they load in the background).
READY_WAIT_MS = 15_000


def intake_state(info: GrumbleInfo) -> dict[str, Any]:
    """The intake form's state (``IntakePage.state`` shape) carrying the grumble: channel, business and cause
    codes, the customer (unless masked), what was said and done as the facts, and the grumble's id."""
    parts = [info.remark.strip()] if info.remark.strip() else []
    parts.append(_("Grumble recorded {time}; done on the spot: {action}").format(
        time=info.recorded_at.strftime("%Y-%m-%d %H:%M UTC"), action=info.action_taken))
    customer = {} if info.masked else {"name": info.customer_name, "phone": info.customer_phone}
    return {"customer": customer, "facts": {"what": "\n".join(parts)},
            "classification": {"channel": info.channel.value, "axes": {"B": info.axis_b, "C": info.axis_c}},
            "grumble": str(info.id)}


class GrumbleTurner(QObject):
    """Fills ``page`` from a grumble; ``linked`` lists the grumbles whose case was then saved and linked."""

    def __init__(self, ctx: AppContext, actor: Actor, page: IntakePage) -> None:
        super().__init__(page)
        self.ctx, self.actor, self.page = ctx, actor, page
        self.linked: list[uuid.UUID] = []
        page.sig_saved_from_grumble.connect(self._saved)

    def turn(self, info: GrumbleInfo, waited_ms: int = 0) -> None:
        page = self.page
        if not page.ready and waited_ms < READY_WAIT_MS:  # the lists are loading: fill the form after them
            QTimer.singleShot(100, lambda: self.turn(info, waited_ms + 100))
            return
        if not page.is_blank():
            box = QMessageBox(QMessageBox.Icon.Question, _("Turn into a complaint"),
                              _("The intake form holds a complaint not saved yet. Replace it with the grumble?"),
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, page)
            box.setDefaultButton(QMessageBox.StandardButton.No)
            if box.exec() != QMessageBox.StandardButton.Yes:
                return
        page.set_state(intake_state(info))
        page.save_draft()
        page.customer.name.setFocus()

    def _saved(self, grumble_id: object, _complaint_id: object) -> None:
        if isinstance(grumble_id, uuid.UUID):
            self.linked.append(grumble_id)
