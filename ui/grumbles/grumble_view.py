"""One past grumble, read only (opened from the list of grumbles), with "Turn into a complaint" while it has not
become one and the user may register complaints at its branch (``grumbles.link_complaint`` checks again)."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from desk_app.services.grumbles import GrumbleInfo
from ui.i18n import Retranslating
from ui.screen_fit import resize_within_screen


def may_turn(actor: Actor, info: GrumbleInfo) -> bool:
    """Not turned yet, and the user registers complaints at the grumble's branch."""
    return (info.complaint_id is None and has_permission(actor.role, Permission.REGISTER)
            and info.branch_code == actor.branch_code)


class GrumbleView(Retranslating, QDialog):
    """``sig_turn`` carries the grumble to carry into the intake form (the view closes)."""

    sig_turn = Signal(object)

    def __init__(self, info: GrumbleInfo, actor: Actor, tz: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("grumbleView")
        self.info, self.tz = info, tz
        self.form = QFormLayout()
        self.labels: list[QLabel] = []
        self.values: list[QLabel] = []
        for _i in range(9):
            label, value = QLabel(self), QLabel(self)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels.append(label)
            self.values.append(value)
            self.form.addRow(label, value)
        self.turn_button = QPushButton(self)
        self.turn_button.setObjectName("turnPastGrumble")
        self.turn_button.setVisible(may_turn(actor, info))
        self.turn_button.clicked.connect(self.turn)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.buttons.addButton(self.turn_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+T"), self, self.turn)
        resize_within_screen(self, 560, 380)
        self.retranslate_ui()
        (self.turn_button if self.turn_button.isVisibleTo(self) else self.buttons.button(
            QDialogButtonBox.StandardButton.Close)).setFocus()

    def retranslate_ui(self) -> None:
        info = self.info
        self.setWindowTitle(_("Grumble of {time}").format(time=self._local()))
        customer = " ".join(part for part in (info.customer_name, info.customer_phone) if part)
        rows = ((_("Recorded:"), _("{time} at {branch} by {who}").format(time=self._local(), branch=info.branch_code,
                                                                        who=info.recorded_by)),
                (_("Channel:"), info.channel.label), (_("Business:"), f"{info.axis_b} {info.business_name}"),
                (_("Cause:"), f"{info.axis_c} {info.cause_name}"), (_("What the customer said:"), info.remark),
                (_("What was done:"), info.action_taken),
                (_("Settled on the spot:"), _("yes") if info.settled else _("no")),
                (_("Customer:"), customer or _("(not recorded)")),
                (_("Complaint:"), info.case_number or _("not turned into a complaint")))
        for (label, value), label_widget, value_widget in zip(rows, self.labels, self.values, strict=True):
            label_widget.setText(label)
            value_widget.setText(value)
            value_widget.setAccessibleName(label.rstrip(":："))
        self.turn_button.setText(_("&Turn into a complaint (Ctrl+T)"))

    def _local(self) -> str:
        return self.info.recorded_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def turn(self) -> None:
        if not self.turn_button.isVisibleTo(self):
            return
        self.accept()
        self.sig_turn.emit(self.info)
