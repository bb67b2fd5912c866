"""The list of reminders: what, which case, when; Enter (or a double click) opens the case."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.i18n import _
from desk_app.services.digest import my_email_address, set_email_address
from desk_app.services.notifications import Notification
from ui.notifications.centre import NotificationCentre
from ui.screen_fit import resize_within_screen
from ui.tasks import run_call

_ITEM = Qt.ItemDataRole.UserRole


def when_text(item: Notification, centre: NotificationCentre) -> str:
    if item.due_on is not None:
        return _("Due on {day}").format(day=item.due_on.isoformat())
    moment = item.due_at or item.happened_at
    if moment is None:
        return ""
    local = moment.astimezone(centre.tz).strftime("%Y-%m-%d %H:%M")
    return _("Due by {time}").format(time=local) if item.due_at is not None else local


class NotificationDialog(QDialog):
    def __init__(self, centre: NotificationCentre, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationDialog")
        self.address_dialog: QInputDialog | None = None
        self.centre = centre
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("notificationList")
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnCount(4)
        self.tree.itemActivated.connect(lambda row, _col: self._open(row))
        self.buttons = QDialogButtonBox(self)
        self.open_button = QPushButton(self)
        self.open_button.setDefault(False)
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self._open(self.tree.currentItem()))
        self.read_button = QPushButton(self)
        self.read_button.setAutoDefault(False)
        self.read_button.clicked.connect(self._mark_all_read)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.read_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.email_button = QPushButton(self)
        self.email_button.setAutoDefault(False)
        self.email_button.setObjectName("digestAddress")
        self.email_button.setVisible(centre.digest_available)  # the desk server mails digests; a PC alone does not
        self.email_button.clicked.connect(self._ask_address)
        self.buttons.addButton(self.email_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree)
        layout.addWidget(self.buttons)
        resize_within_screen(self, 760, 420)
        centre.sig_updated.connect(self.fill)
        self.retranslate_ui()
        self.fill()
        self.tree.setFocus()

    def fill(self) -> None:
        self.tree.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for item in self.centre.items:
            row = QTreeWidgetItem([item.label, item.case_number, when_text(item, self.centre), item.detail])
            row.setData(0, _ITEM, item)
            if item.new:
                for column in range(4):
                    row.setFont(column, bold)
            self.tree.addTopLevelItem(row)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        has_items = self.tree.topLevelItemCount() > 0
        self.open_button.setEnabled(has_items)
        self.read_button.setEnabled(has_items)
        self.intro.setText(_("Reminders for you: Enter opens the case and marks the reminder read.") if has_items
                           else _("No reminders. New ones appear here and on the status bar."))

    def _open(self, row: QTreeWidgetItem | None) -> None:
        if row is None:
            return
        item = row.data(0, _ITEM)
        assert isinstance(item, Notification)
        self.accept()
        self.centre.open_case(item)

    def _mark_all_read(self) -> None:
        self.centre.mark_read([n.key for n in self.centre.items])

    def _ask_address(self) -> None:
        """Read the current address in the background, then ask for the new one."""
        backend, actor = self.centre.backend, self.centre.actor
        run_call(self, lambda: backend.call(actor, my_email_address), self._edit_address)

    def _edit_address(self, current: str) -> None:
        self.address_dialog = QInputDialog(self)
        self.address_dialog.setObjectName("digestAddressDialog")
        self.address_dialog.setWindowTitle(_("E-mail digest"))
        self.address_dialog.setLabelText(_("The desk server e-mails you reminders that are new to you at this "
                                           "address (leave it empty for none):"))
        self.address_dialog.setTextValue(current)
        self.address_dialog.textValueSelected.connect(self._save_address)
        self.address_dialog.open()

    def _save_address(self, address: str) -> None:
        backend, actor = self.centre.backend, self.centre.actor
        run_call(self, lambda: backend.call(actor, set_email_address, actor.user_id, address), self._saved)

    def _saved(self, address: str) -> None:
        self.intro.setText(_("Digests go to {address}.").format(address=address) if address
                           else _("No e-mail digest."))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Reminders"))
        self.tree.setHeaderLabels([_("Reminder"), _("Case number"), _("When"), _("Detail")])
        self.tree.setAccessibleName(_("Reminders"))
        self.open_button.setText(_("&Open case"))
        self.read_button.setText(_("Mark all &read"))
        self.email_button.setText(_("E-mail &digest…"))
