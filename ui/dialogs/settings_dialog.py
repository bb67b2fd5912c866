"""File ▸ Settings…: what the first-run wizard asked, changed later — language, idle lock, where the data
is (a desk server, or this PC's file; takes effect at the next start), and, for administrators, their
branch's letterhead."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.config import save_config, sqlite_url
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import UserError, ValidationError
from desk_app.i18n import _
from desk_app.paths import backup_dir, default_database_path
from desk_app.services import branches
from desk_app.services.backups import DEFAULT_KEEP
from ui import icons
from ui.context import AppContext, database_label, local_database
from ui.dialogs.common import InlineError
from ui.dialogs.server_dialog import ServerDialog
from ui.i18n import LANGUAGE_NAMES, Retranslating, switch_language


class SettingsDialog(Retranslating, QDialog):
    """``on_language`` is called with a newly chosen language (the main window keeps its menu in step),
    ``on_idle_minutes`` with the idle-lock minutes when they change (the running lock takes them at once)."""

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None,
                 on_language: Callable[[str], None] | None = None,
                 on_idle_minutes: Callable[[int], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowIcon(icons.icon(icons.APP))
        self.setMinimumWidth(560)
        self.ctx, self.actor = ctx, actor
        self._on_language = on_language or switch_language
        self._on_idle_minutes = on_idle_minutes
        self.database_changed = False
        self._branch: branches.BranchInfo | None = None

        self.general_box = QGroupBox(self)
        self.language = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.current_language())))
        self.idle_minutes = QSpinBox(self)
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setValue(ctx.config.idle_lock_minutes)
        self.idle_note = QLabel(self)
        self.idle_note.setWordWrap(True)
        self._general_labels = [QLabel(self) for _ in range(2)]
        general = QFormLayout(self.general_box)
        for label, field in zip(self._general_labels, (self.language, self.idle_minutes), strict=True):
            label.setBuddy(field)
            general.addRow(label, field)
        general.addRow("", self.idle_note)

        self.database_box = QGroupBox(self)
        self.database_now = QLabel(self)
        self.database_now.setWordWrap(True)
        self.server_button = QPushButton(self)
        self.server_button.setObjectName("changeDatabase")
        self.server_button.clicked.connect(self.change_server)
        self.local_button = QPushButton(self)
        self.local_button.setObjectName("useLocalDatabase")
        self.local_button.clicked.connect(self.use_local)
        on_this_pc = local_database(ctx) is not None
        self.local_button.setVisible(not on_this_pc)
        self.backups = QLabel(self)
        self.backups.setWordWrap(True)
        self.backups.setVisible(on_this_pc and ctx.config.is_sqlite)
        self.restart_note = QLabel(self)
        self.restart_note.setWordWrap(True)
        self.restart_note.setStyleSheet("font-weight: bold;")
        self.restart_note.hide()
        database_buttons = QHBoxLayout()
        database_buttons.addWidget(self.server_button)
        database_buttons.addWidget(self.local_button)
        database_buttons.addStretch(1)
        database = QVBoxLayout(self.database_box)
        database.addWidget(self.database_now)
        database.addLayout(database_buttons)
        database.addWidget(self.backups)
        database.addWidget(self.restart_note)

        self.letterhead_box = QGroupBox(self)
        self.hotline = QLineEdit(self)
        self.address = QLineEdit(self)
        self._letterhead_labels = [QLabel(self) for _ in range(2)]
        letterhead = QFormLayout(self.letterhead_box)
        for label, field in zip(self._letterhead_labels, (self.hotline, self.address), strict=True):
            label.setBuddy(field)
            letterhead.addRow(label, field)
        self.letterhead_box.setVisible(has_permission(actor.role, Permission.ADMINISTER))

        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_box)
        layout.addWidget(self.database_box)
        layout.addWidget(self.letterhead_box)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        for first, second in ((self.language, self.idle_minutes), (self.idle_minutes, self.server_button),
                              (self.server_button, self.local_button), (self.local_button, self.hotline),
                              (self.hotline, self.address), (self.address, self.buttons)):
            QWidget.setTabOrder(first, second)
        if has_permission(actor.role, Permission.ADMINISTER):
            self._load_branch()
        self.language.setFocus()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Settings"))
        self.general_box.setTitle(_("General"))
        for label, text in zip(self._general_labels, (_("&Language:"), _("Loc&k the screen after (minutes):")),
                               strict=True):
            label.setText(text)
        self.idle_note.setText(_("Kept for this computer; the screen lock counts with the new minutes at once.")
                               if self._on_idle_minutes is not None else
                               _("The screen lock applies from the next sign-in."))
        self.database_box.setTitle(_("Database"))
        self.database_now.setText(_("In use: {db}").format(db=database_label(self.ctx)))
        self.server_button.setText(_("&Desk server…"))
        self.server_button.setAccessibleName(_("Choose the desk server and trust its certificate"))
        self.local_button.setText(_("Use this &PC's file"))
        self.backups.setText(_("Daily backups are kept in {folder} (the newest {n}).").format(
            folder=backup_dir(), n=DEFAULT_KEEP))
        self.restart_note.setText(_("The new place of the data is used when Complaint Desk is started again."))
        self.letterhead_box.setTitle(_("Letterhead of branch {code}").format(code=self.actor.branch_code))
        for label, text in zip(self._letterhead_labels, (_("Service ho&tline:"), _("Add&ress:")), strict=True):
            label.setText(text)
        names = {self.language: _("Language"), self.idle_minutes: _("Minutes without activity before the screen "
                                                                     "locks"),
                 self.hotline: _("Service hotline"), self.address: _("Branch address")}
        for widget, name in names.items():
            widget.setAccessibleName(name)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Cancel"))

    # -- the database ------------------------------------------------------------------------------
    def change_server(self) -> None:
        """The desk server dialog, filled with the server in use (if any); it pins the certificate and saves
        the address to config.toml."""
        if ServerDialog.ask(self, self.ctx.config.server_url) is not None:
            self._database_changed()

    def use_local(self) -> None:
        """Work on this PC's file again from the next start (the desk server is forgotten)."""
        try:
            save_config({"server_url": "", "db_url": sqlite_url(default_database_path())})
        except OSError as exc:
            self.error.show_message(_("The settings could not be saved: {error}").format(error=exc))
            return
        self._database_changed()

    def _database_changed(self) -> None:
        self.database_changed = True
        self.restart_note.show()

    # -- the letterhead ----------------------------------------------------------------------------
    def _load_branch(self) -> None:
        try:
            found = [b for b in self.ctx.backend.read(branches.list_branches) if b.id == self.actor.branch_id]
        except UserError as exc:
            self.error.show_message(str(exc))
            self.letterhead_box.setEnabled(False)
            return
        if found:
            self._branch = found[0]
            self.hotline.setText(self._branch.hotline)
            self.address.setText(self._branch.address)

    def _save_letterhead(self) -> bool:
        info = self._branch
        if info is None or (self.hotline.text().strip(), self.address.text().strip()) == (info.hotline,
                                                                                          info.address):
            return True
        values = dataclasses.replace(info.fields(), hotline=self.hotline.text(), address=self.address.text())
        try:
            self._branch = self.ctx.backend.call(self.actor, branches.update_branch, info.id, values,
                                                 version=info.version)
        except ValidationError as exc:
            self.error.show_message(str(exc))
            {"hotline": self.hotline, "address": self.address}.get(exc.field or "", self.hotline).setFocus()
            return False
        except UserError as exc:
            self.error.show_message(str(exc))
            return False
        return True

    # -- saving ------------------------------------------------------------------------------------
    def accept(self) -> None:
        self.error.clear()
        if not self.letterhead_box.isHidden() and self.letterhead_box.isEnabled() and not self._save_letterhead():
            return
        language = str(self.language.currentData())
        try:
            save_config({"idle_lock_minutes": self.idle_minutes.value(), "language": language})
        except OSError as exc:
            self.error.show_message(_("The settings could not be saved: {error}").format(error=exc))
            return
        if self._on_idle_minutes is not None:
            self._on_idle_minutes(self.idle_minutes.value())
        if language != i18n.current_language():
            self._on_language(language)
        super().accept()
