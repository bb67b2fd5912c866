"""First run: the first branch and its administrator, optionally demo data. Shown on an empty database."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType
from desk_app.errors import UserError, ValidationError
from desk_app.i18n import _
from desk_app.services import demo, setup
from ui import icons
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.tasks import CancelledFn, ProgressFn, run_with_progress

DEFAULT_DEMO_COUNT = 300


class SetupDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.actor: Actor | None = None
        self.demo_added = 0
        self.setObjectName("setupDialog")
        self.setWindowIcon(icons.icon(icons.APP))
        self.setMinimumWidth(480)

        logo = QLabel(self)
        logo.setPixmap(icons.icon(icons.APP).pixmap(QSize(48, 48)))
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(logo)
        header.addWidget(self.intro, 1)

        self.branch_code = QLineEdit(self)
        self.branch_code.setMaxLength(16)
        self.branch_code.setPlaceholderText("SH01")
        self.branch_name = QLineEdit(self)
        self.institution = QComboBox(self)
        for kind in InstitutionType:
            self.institution.addItem(kind.label, kind.value)
        self.hotline = QLineEdit(self)
        self.hotline.setPlaceholderText("95588")
        self.address = QLineEdit(self)
        self.is_hq = QCheckBox(self)
        self.branch_box = QGroupBox(self)
        self._branch_labels = [QLabel(self) for _ in range(5)]
        branch_form = QFormLayout(self.branch_box)
        for label, field in zip(self._branch_labels, (self.branch_code, self.branch_name, self.institution,
                                                      self.hotline, self.address), strict=True):
            label.setBuddy(field)
            branch_form.addRow(label, field)
        branch_form.addRow("", self.is_hq)

        self.username = QLineEdit("admin", self)
        self.display_name = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password_again = QLineEdit(self)
        for edit in (self.password, self.password_again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_box = QGroupBox(self)
        self._admin_labels = [QLabel(self) for _ in range(4)]
        admin_form = QFormLayout(self.admin_box)
        for label, field in zip(self._admin_labels,
                                (self.username, self.display_name, self.password, self.password_again),
                                strict=True):
            label.setBuddy(field)
            admin_form.addRow(label, field)
        self.password_hint = QLabel(self)
        self.password_hint.setWordWrap(True)
        admin_form.addRow("", self.password_hint)

        self.demo_check = QCheckBox(self)
        self.demo_count = QSpinBox(self)
        self.demo_count.setRange(1, 100_000)
        self.demo_count.setSingleStep(100)
        self.demo_count.setValue(DEFAULT_DEMO_COUNT)
        self.demo_count.setEnabled(False)
        self.demo_check.toggled.connect(self.demo_count.setEnabled)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_check)
        demo_row.addWidget(self.demo_count)
        demo_row.addStretch(1)

        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.branch_box)
        layout.addWidget(self.admin_box)
        layout.addLayout(demo_row)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        order: list[QWidget] = [self.branch_code, self.branch_name, self.institution, self.hotline, self.address,
                                self.is_hq,
                                self.username, self.display_name, self.password, self.password_again,
                                self.demo_check, self.demo_count, self.buttons]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self._fields: dict[str, QWidget] = {
            "branch_code": self.branch_code, "branch_name": self.branch_name, "username": self.username,
            "admin_username": self.username, "display_name": self.display_name, "password": self.password}
        self.branch_code.setFocus()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Set up Complaint Desk"))
        self.intro.setText(_("This database is new. Enter your office and the administrator account; "
                             "the administrator then creates the other staff accounts."))
        self.branch_box.setTitle(_("Office"))
        for label, text in zip(self._branch_labels, (_("Branch &code:"), _("Branch &name:"),
                                                     _("&Institution type:"), _("Service ho&tline:"),
                                                     _("Add&ress:")), strict=True):
            label.setText(text)
        for index, kind in enumerate(InstitutionType):
            self.institution.setItemText(index, kind.label)
        self.is_hq.setText(_("This office is the &headquarters (sees all branches)"))
        self.admin_box.setTitle(_("Administrator"))
        for label, text in zip(self._admin_labels, (_("&User name:"), _("&Display name:"), _("&Password:"),
                                                    _("Password &again:")), strict=True):
            label.setText(text)
        self.password_hint.setText(_("At least 8 characters, with letters and digits."))
        self.demo_check.setText(_("&Load demo data (fictitious cases for training):"))
        accessible = {self.branch_code: _("Branch code"), self.branch_name: _("Branch name"),
                      self.institution: _("Institution type"), self.hotline: _("Service hotline"),
                      self.address: _("Branch address"), self.username: _("Administrator user name"),
                      self.display_name: _("Administrator display name"), self.password: _("Password"),
                      self.password_again: _("Password again"), self.demo_count: _("Number of demo cases")}
        for widget, name in accessible.items():
            widget.setAccessibleName(name)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Set up"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def request(self) -> setup.SetupRequest:
        return setup.SetupRequest(
            branch_code=self.branch_code.text(), branch_name=self.branch_name.text(),
            institution_type=InstitutionType(self.institution.currentData()),
            admin_username=self.username.text(), admin_display_name=self.display_name.text(),
            admin_password=self.password.text(), is_headquarters=self.is_hq.isChecked(),
            branch_hotline=self.hotline.text(), branch_address=self.address.text())

    def _refuse(self, message: str, field: QWidget | None) -> None:
        self.error.show_message(message)
        if field is not None:
            field.setFocus()

    def accept(self) -> None:
        if self.password.text() != self.password_again.text():
            self.password_again.clear()
            self._refuse(_("The two passwords are not the same."), self.password_again)
            return
        try:
            self.actor = setup.initialise(self._db, self.request())
        except ValidationError as exc:
            self._refuse(str(exc), self._fields.get(exc.field or ""))
            return
        except UserError as exc:
            self._refuse(str(exc), None)
            return
        self.error.clear()
        if self.demo_check.isChecked():
            self._load_demo_data(self.demo_count.value())
        super().accept()

    def _load_demo_data(self, count: int) -> None:
        def work(progress: ProgressFn, cancelled: CancelledFn) -> int:
            return demo.generate_demo_data(self._db, count, progress, cancelled)

        try:
            self.demo_added = run_with_progress(self, _("Generating demo data…"), work)
        except demo.DemoCancelled:
            self.demo_added = 0
        except Exception as exc:  # the office is set up already; report and carry on without demo data
            show_error(self, exc)

    @classmethod
    def ask(cls, db: Database, parent: QWidget | None = None) -> Actor | None:
        """Show the dialog; the administrator's Actor once the database is set up, None if cancelled."""
        dialog = cls(db, parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
