"""First run: where the data is (this PC, or a desk server), the branch and its letterhead, the
administrator, optional demo data. Later changes are made in the settings dialog.

Shown before any database is opened when nothing names one yet (``desk_app.config.first_run_needed``),
and — from the branch page on — when this PC's database has no accounts. A desk server already has its
branches and accounts (``desk-server init`` created them): choosing one, trusting its certificate and
finishing is all; the user then signs in with their own account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from desk_app import i18n
from desk_app.api.sqlite_peek import sqlite_file
from desk_app.config import save_config, sqlite_url
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType
from desk_app.errors import OperationCancelled, UserError, ValidationError
from desk_app.i18n import _
from desk_app.paths import backup_dir, default_database_path
from ui import icons
from ui.dialogs.common import InlineError
from ui.dialogs.first_run_accounts import AdminPage, AnalystPage
from ui.dialogs.server_dialog import ServerForm
from ui.dialogs.wizard_page import (
    PAGE_BRANCH,
    PAGE_EXISTING,
    PAGE_SERVER,
    Page,
    labelled_form,
    tab_chain,
)
from ui.errors import show_error
from ui.i18n import LANGUAGE_NAMES, Retranslating, switch_language
from ui.tasks import CancelledFn, ProgressFn, run_with_progress

if TYPE_CHECKING:
    from desk_app.db.uow import Database

# SQLAlchemy, the services and the password hash are imported where used: the wizard is a first window, painted
# before they load (issue 21; ui.database_opening.warm_up loads them in the background meanwhile).

log = logging.getLogger(__name__)
DEFAULT_DEMO_COUNT = 300


@dataclass(frozen=True)
class FirstRunResult:
    """This PC's open database and, once set up, its administrator (None: a database already set up — sign
    in). ``db`` is None when a desk server was chosen: its address is saved and its certificate pinned."""

    db: Database | None
    revision: str | None
    actor: Actor | None
    demo_added: int = 0
    server_url: str = ""


class LocationPage(Page):
    """Language, then this PC or a desk server."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.language_label = QLabel(self)
        self.language = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.current_language())))
        self.language.currentIndexChanged.connect(self._language_changed)
        self.language_label.setBuddy(self.language)
        language_row = QHBoxLayout()
        language_row.addWidget(self.language_label)
        language_row.addWidget(self.language)
        language_row.addStretch(1)
        self.local = QRadioButton(self)
        self.local.setChecked(True)
        self.local_note = QLabel(self)
        self.local_note.setWordWrap(True)
        self.local_note.setIndent(24)
        self.server = QRadioButton(self)
        self.server_note = QLabel(self)
        self.server_note.setWordWrap(True)
        self.server_note.setIndent(24)
        self.error = InlineError(self)
        layout = QVBoxLayout(self)
        layout.addLayout(language_row)
        layout.addSpacing(8)
        layout.addWidget(self.local)
        layout.addWidget(self.local_note)
        layout.addSpacing(8)
        layout.addWidget(self.server)
        layout.addWidget(self.server_note)
        layout.addStretch(1)
        layout.addWidget(self.error)
        tab_chain([self.language, self.local, self.server])

    def retranslate_ui(self) -> None:
        self.setTitle(_("Where is the data kept?"))
        self.setSubTitle(_("Welcome to Complaint Desk. A few questions, then you can start."))
        self.language_label.setText(_("&Language:"))
        self.language.setAccessibleName(_("Language"))
        self.local.setText(_("&This PC (a local file)"))
        self.local_note.setText(_("For a single counter PC. The database is the file {path}; it is backed up "
                                  "daily.").format(path=self._wizard.local_label()))
        self.server.setText(_("A &desk server (a branch network)"))
        self.server_note.setText(_("For several PCs working on the branch network's data. You need the desk "
                                   "server's address and its certificate fingerprint from IT; each user signs "
                                   "in with their own account."))

    def _language_changed(self) -> None:
        switch_language(str(self.language.currentData()))

    def nextId(self) -> int:
        if self.server.isChecked():
            return PAGE_SERVER
        return PAGE_EXISTING if self._wizard.already_set_up else PAGE_BRANCH

    def initializePage(self) -> None:
        chosen_before = not self._wizard.chosen_here
        self.server.setEnabled(not chosen_before)  # a database named at start-up (or in config.toml) is kept
        self.server_note.setEnabled(not chosen_before)

    def validatePage(self) -> bool:
        if self.server.isChecked():
            self._wizard.close_database()  # opened when the user went on with this PC, then came back
            return True
        self.error.clear()
        if not self._wizard.chosen_here:
            return True  # the database this wizard was started on is open already
        try:
            self._wizard.open_database(self._wizard.local_url)
        except UserError as exc:
            self.error.show_message(str(exc))
            return False
        return True


class ServerPage(Page):
    """The desk server: its address, Connect, the fingerprint to compare and the confirmation. Finish trusts
    the certificate and saves the address; the server already has its accounts, so sign-in comes next."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.form = ServerForm(self)
        self.form.sig_complete_changed.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)

    def retranslate_ui(self) -> None:
        self.setTitle(_("The desk server"))
        self.setSubTitle(_("Enter the address IT gave you, connect, and compare the certificate's fingerprint "
                           "with theirs."))
        self.form.retranslate_ui()

    def initializePage(self) -> None:
        self.form.address.setFocus()

    def isComplete(self) -> bool:
        return self.form.is_complete()

    def nextId(self) -> int:
        return -1

    def validatePage(self) -> bool:
        if not self._wizard.chosen_here:
            return False
        try:
            save_config({"language": i18n.current_language()})
        except OSError as exc:
            self.form.error.show_message(_("The settings could not be saved: {error}").format(error=exc))
            return False
        url = self.form.trust()
        if url is None:
            return False
        self._wizard.server_url = url
        return True


class BranchPage(Page):
    """The first branch and its letterhead (name, hotline and address appear on letters and receipts)."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
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
        self.superior = QLineEdit(self)
        self.superior.setPlaceholderText("总行消费者权益保护部")
        self.superior_contact = QLineEdit(self)
        self.superior_contact.setPlaceholderText("电话：400-800-1234")
        self.is_hq = QCheckBox(self)
        self.is_hq.setChecked(True)  # the first office of a new database is normally headquarters
        self.labels = [QLabel(self) for _ in range(7)]
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.error = InlineError(self)
        form = labelled_form(self.labels, [self.branch_code, self.branch_name, self.institution, self.hotline,
                                           self.address, self.superior, self.superior_contact])
        form.addRow("", self.is_hq)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addWidget(self.error)
        tab_chain([self.branch_code, self.branch_name, self.institution, self.hotline, self.address, self.superior,
                self.superior_contact, self.is_hq])
        self.fields: dict[str, QWidget] = {"branch_code": self.branch_code, "branch_name": self.branch_name,
                                           "superior_institution": self.superior,
                                           "superior_contact": self.superior_contact}

    def retranslate_ui(self) -> None:
        self.setTitle(_("Your branch"))
        self.setSubTitle(_("The branch and its letterhead: the name, hotline and address are printed on "
                           "letters and receipts."))
        for label, text in zip(self.labels, (_("Branch &code:"), _("Branch na&me:"), _("&Institution type:"),
                                             _("Service ho&tline:"), _("Add&ress:"), _("&Superior institution:"),
                                             _("Superior's c&ontact:")), strict=True):
            label.setText(text)
        for index, kind in enumerate(InstitutionType):
            self.institution.setItemText(index, kind.label)
        self.is_hq.setText(_("This office is the &headquarters (sees all branches)"))
        self.note.setText(_("The branch code starts every case number (e.g. SH01-20250101-0001) and cannot be "
                            "changed later. Decision letters tell the customer that they may ask the superior "
                            "institution to review the case, and how to reach it. Leave headquarters ticked "
                            "unless this database is one branch that sends its files to headquarters: "
                            "headquarters creates the other branches and the HQ analyst."))
        names = {self.branch_code: _("Branch code"), self.branch_name: _("Branch name"),
                 self.institution: _("Institution type"), self.hotline: _("Service hotline"),
                 self.address: _("Branch address"), self.superior: _("Superior institution"),
                 self.superior_contact: _("Superior institution's contact")}
        for widget, name in names.items():
            widget.setAccessibleName(name)

    def initializePage(self) -> None:
        self.branch_code.setFocus()

    def validatePage(self) -> bool:
        from desk_app.services import setup

        try:
            setup.validate_branch_code(self.branch_code.text())
            if not self.branch_name.text().strip():
                raise ValidationError(_("The branch name is required."), "branch_name")
            setup.validate_superior(self.superior.text(), self.superior_contact.text())
        except ValidationError as exc:
            self.error.show_message(str(exc))
            self.fields.get(exc.field or "", self.branch_code).setFocus()
            return False
        self.error.clear()
        return True


class DemoPage(Page):
    """Optional demo data and a summary; Finish sets the database up."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.demo_check = QCheckBox(self)
        self.demo_count = QSpinBox(self)
        self.demo_count.setRange(1, 100_000)
        self.demo_count.setSingleStep(100)
        self.demo_count.setValue(DEFAULT_DEMO_COUNT)
        self.demo_count.setEnabled(False)
        self.demo_check.toggled.connect(self.demo_count.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.demo_check)
        row.addWidget(self.demo_count)
        row.addStretch(1)
        self.demo_note = QLabel(self)
        self.demo_note.setWordWrap(True)
        self.summary_heading = QLabel(self)
        self.summary_heading.setStyleSheet("font-weight: bold;")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.error = InlineError(self)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.demo_note)
        layout.addSpacing(12)
        layout.addWidget(self.summary_heading)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.error)
        tab_chain([self.demo_check, self.demo_count])

    def retranslate_ui(self) -> None:
        self.setTitle(_("Demo data and summary"))
        self.setSubTitle(_("Check the summary, then click Finish to set up the database."))
        self.demo_check.setText(_("&Load demo data (fictitious cases for training):"))
        self.demo_count.setAccessibleName(_("Number of demo cases"))
        self.demo_note.setText(_("Demo cases are invented; leave this off for a database you work in."))
        self.summary_heading.setText(_("Summary"))
        if self.isVisible():
            self.initializePage()

    def initializePage(self) -> None:
        self.summary.setText(self._wizard.summary_text())
        self.demo_check.setFocus()

    def nextId(self) -> int:
        return -1

    def validatePage(self) -> bool:
        return self._wizard.finish_setup()


class ExistingPage(Page):
    """This PC's database is already set up: nothing to create; sign in next."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def retranslate_ui(self) -> None:
        self.setTitle(_("The database is already set up"))
        self.text.setText(_("This database already has its branches and accounts. Click Finish, then sign in "
                            "with the account your administrator gave you."))

    def nextId(self) -> int:
        return -1

    def validatePage(self) -> bool:
        self._wizard.save_location()
        return True


class FirstRunWizard(Retranslating, QWizard):
    """The first-run wizard. With ``db`` (a chosen database without accounts: a wizard stopped half-way, or
    ``--database-url``) it keeps that database and does not change where it is; it still starts at the first
    page, so Back works on every page."""

    def __init__(self, db: Database | None = None, parent: QWidget | None = None, *,
                 local_url: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowIcon(icons.icon(icons.APP))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(640, 500)
        self.local_url = local_url or sqlite_url(default_database_path())
        self.db = db
        self.revision: str | None = None
        self._owns_db = False
        self.server_url = ""
        self.chosen_here = db is None
        self.already_set_up = False
        self.actor: Actor | None = None
        self.demo_added = 0
        self.location_page = LocationPage(self)
        self.server_page = ServerPage(self)
        self.branch_page = BranchPage(self)
        self.admin_page = AdminPage(self)
        self.demo_page = DemoPage(self)
        self.existing_page = ExistingPage(self)
        self.analyst_page = AnalystPage(self)
        self.pages: list[Page] = [self.location_page, self.server_page, self.branch_page, self.admin_page,
                                  self.demo_page, self.existing_page, self.analyst_page]
        for page_id, page in enumerate(self.pages):
            self.setPage(page_id, page)
        self.retranslate_ui()

    # -- texts ---------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Set up Complaint Desk"))
        for page in self.pages:
            page.retranslate_ui()
        self.setButtonText(QWizard.WizardButton.BackButton, _("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, _("&Next >"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("&Finish"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("&Cancel"))

    def local_label(self) -> str:
        if self.db is not None and not self.chosen_here:  # started again on a database chosen before
            from desk_app.db.engine import url_label

            return url_label(str(self.db.engine.url))
        path = sqlite_file(self.local_url)  # the standard library's reading: shown before SQLAlchemy loads
        return str(path) if path is not None else self.local_url

    def summary_text(self) -> str:
        from desk_app.db.engine import url_label

        branch, admin = self.branch_page, self.admin_page
        where = url_label(str(self.db.engine.url)) if self.db is not None else "—"
        lines = [_("Database: {db}").format(db=where),
                 _("Branch: {code} {name} ({kind})").format(code=branch.branch_code.text().strip().upper(),
                                                           name=branch.branch_name.text().strip(),
                                                           kind=branch.institution.currentText()),
                 _("Hotline: {hotline}").format(hotline=branch.hotline.text().strip() or "—"),
                 _("Address: {address}").format(address=branch.address.text().strip() or "—"),
                 _("Superior institution: {name}, {contact}").format(name=branch.superior.text().strip(),
                                                                     contact=branch.superior_contact.text().strip()),
                 _("Headquarters: {answer}").format(answer=_("yes") if branch.is_hq.isChecked() else _("no")),
                 _("Administrator: {name}").format(name=admin.username.text().strip())]
        if self.analyst_wanted():
            lines.append(_("HQ analyst: {name}").format(name=self.analyst_page.username.text().strip()))
        return "\n".join(lines)

    def analyst_wanted(self) -> bool:
        return self.branch_page.is_hq.isChecked() and self.analyst_page.wanted()

    # -- the database ----------------------------------------------------------------------------------
    def open_database(self, url: str) -> None:
        """Open (create or migrate) this PC's database in the background; UserError if it cannot be used."""
        from desk_app.services import setup
        from ui.context import open_local_database

        self.close_database()

        def work(progress: ProgressFn, cancelled: CancelledFn) -> tuple[Database, str | None]:
            return open_local_database(url, backup_dir())

        db, revision = run_with_progress(self, _("Preparing the database…"), work)
        self.db, self.revision, self._owns_db = db, revision, True
        try:
            self.already_set_up = setup.is_initialised(db)
        except UserError:
            self.close_database()
            raise

    def close_database(self) -> None:
        if self.db is not None and self._owns_db:
            self.db.dispose()
            self.db = None
        self._owns_db = False

    def save_location(self) -> None:
        """Remember this PC's database as the one to use (and the language) in config.toml."""
        if not self.chosen_here:
            return
        save_config({"language": i18n.current_language(), "db_url": self.local_url, "server_url": ""})

    def finish_setup(self) -> bool:
        """Create the branch and the administrator (and demo data); False after showing a problem."""
        from desk_app.services import demo, setup

        page = self.demo_page
        assert self.db is not None
        branch, admin = self.branch_page, self.admin_page
        request = setup.SetupRequest(
            branch_code=branch.branch_code.text(), branch_name=branch.branch_name.text(),
            institution_type=InstitutionType(branch.institution.currentData()),
            admin_username=admin.username.text(), admin_display_name=admin.display_name.text(),
            admin_password=admin.password.text(), is_headquarters=branch.is_hq.isChecked(),
            branch_hotline=branch.hotline.text(), branch_address=branch.address.text(),
            superior_institution=branch.superior.text(), superior_contact=branch.superior_contact.text())
        if self.analyst_wanted():
            analyst = self.analyst_page
            request = replace(request, analyst_username=analyst.username.text(),
                              analyst_display_name=analyst.display_name.text(),
                              analyst_password=analyst.password.text())
        try:
            if page.demo_check.isChecked():  # created as a demo: the only kind that takes demo data
                demo.create_demo_database(self.db)
            self.actor = setup.initialise(self.db, request)
        except UserError as exc:
            page.error.show_message(str(exc))
            return False
        page.error.clear()
        try:
            self.save_location()
        except OSError as exc:
            show_error(self, UserError(_("The settings could not be saved: {error}").format(error=exc)))
        if page.demo_check.isChecked():
            self._load_demo_data(page.demo_count.value())
        return True

    def _load_demo_data(self, count: int) -> None:
        from desk_app.services import demo

        db = self.db
        assert db is not None

        def work(progress: ProgressFn, cancelled: CancelledFn) -> int:
            return demo.generate_demo_data(db, count, progress, cancelled)

        try:
            self.demo_added = run_with_progress(self, _("Generating demo data…"), work)
        except OperationCancelled:
            self.demo_added = 0
        except Exception as exc:  # the office is set up already; report and carry on without demo data
            show_error(self, exc)

    def reject(self) -> None:
        self.close_database()
        super().reject()

    def result_value(self) -> FirstRunResult | None:
        if self.server_url:
            return FirstRunResult(None, None, None, server_url=self.server_url)
        if self.db is None:
            return None
        return FirstRunResult(self.db, self.revision, self.actor, self.demo_added)

    def offer_demo_data(self, count: int) -> None:
        """Start with the demo data box ticked for ``count`` cases (``desk-app --demo-data N`` on a first start:
        the database is then created as a demo database, the only kind that takes demo data)."""
        if count > 0:
            self.demo_page.demo_check.setChecked(True)
            self.demo_page.demo_count.setValue(count)

    @classmethod
    def ask(cls, db: Database | None = None, parent: QWidget | None = None,
            demo_count: int = 0) -> FirstRunResult | None:
        """Run the wizard; this PC's database (and its administrator), or the desk server chosen, when
        finished; None if cancelled. ``demo_count``: demo data offered (see ``offer_demo_data``)."""
        wizard = cls(db, parent)
        wizard.offer_demo_data(demo_count)
        if wizard.exec() != QWizard.DialogCode.Accepted:
            return None
        return wizard.result_value()
