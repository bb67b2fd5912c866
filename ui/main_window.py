"""The main window: navigation on the left, the current page on the right, menus, status bar."""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QWidget,
)

import desk_app
from desk_app import i18n
from desk_app.config import save_config
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from desk_app.paths import backup_dir
from desk_app.services.backups import backup_if_due
from desk_app.services.case_list import CaseFilter
from desk_app.services.complaints import find_by_number
from ui import icons
from ui.cases.list_page import CaseListPage
from ui.context import AppContext, database_label, local_database
from ui.dialogs.settings_dialog import SettingsDialog
from ui.drills import open_practice_mode
from ui.grumbles import may_use_opportunities, open_grumble_list, open_grumble_log, open_opportunities
from ui.help.help_browser import install_f1, section_for, show_help
from ui.i18n import LANGUAGE_NAMES, Retranslating, switch_language
from ui.idle_lock import IdleLock
from ui.improvements import lazy_improvements_page, shows_improvements_page
from ui.intake.intake_page import IntakePage
from ui.keyboard import install as install_keyboard_model
from ui.lazy_page import LazyPage
from ui.library import lazy_library_page, shows_library_page
from ui.notifications import NotificationCentre
from ui.overview.page import OverviewPage
from ui.page import Page
from ui.quality import lazy_quality_page, shows_quality_page
from ui.tasks import run_call, run_job
from ui.team import lazy_team_page, shows_team_page
from ui.ui_state import StateKey, load_state, save_state

log = logging.getLogger(__name__)
BACKUP_CHECK_MS = 60 * 60 * 1000  # look every hour whether the daily backup is due


def _scrolling(widget: QWidget) -> QScrollArea:
    """A frameless scroll area around a page: on a small screen or at 150 % scaling the page scrolls
    instead of forcing the window to be larger than the screen."""
    holder = QScrollArea()
    holder.setWidgetResizable(True)
    holder.setFrameShape(QFrame.Shape.NoFrame)
    holder.setWidget(widget)
    return holder


class MainWindow(Retranslating, QMainWindow):
    """``sig_switch_user`` asks whoever opened the window to sign its user out and ask for the next one
    (File ▸ Sign out / switch user)."""

    sig_switch_user = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.actor = actor
        self.setWindowIcon(icons.icon(icons.APP))

        self.navigation = QListWidget(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(24, 24))
        self.navigation.setMinimumWidth(150)
        self.pages = QStackedWidget(self)
        self._page_list: list[Page] = []
        splitter = QSplitter(self)
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([160, 900])
        self.setCentralWidget(splitter)
        self.navigation.currentRowChanged.connect(self._show_page)

        self._build_menus()
        self._build_shortcuts()
        self.db_status = QLabel(self)
        self.schema_status = QLabel(self)
        self.user_status = QLabel(self)
        for label in (self.db_status, self.schema_status, self.user_status):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)
        self.notifications = NotificationCentre(self, ctx, actor)  # reminders: a badge, polled in the background
        self.statusBar().addPermanentWidget(self.notifications.button)
        self.notifications.sig_open_case.connect(self.open_case)
        self.notifications.start()

        self.overview_page = OverviewPage(ctx, actor)
        self.overview_page.sig_open_case_number.connect(self.open_case_number)
        self.add_page(self.overview_page, "overview")
        self._add_feature_pages()
        self.idle_lock = IdleLock(self, ctx.backend, actor, ctx.config.idle_lock_minutes)
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(BACKUP_CHECK_MS)
        self.backup_timer.timeout.connect(self.scheduled_backup)
        if ctx.config.is_sqlite and local_database(ctx) is not None:
            self.backup_timer.start()
            QTimer.singleShot(60_000, self.scheduled_backup)
        self.retranslate_ui()
        self.navigation.setCurrentRow(0)
        self._restore_geometry()

    # -- pages -----------------------------------------------------------------------------------
    def add_page(self, page: Page, help_section: str | None = None) -> None:
        """Add a navigation entry; F1 on the page opens its section of the user guide."""
        if help_section is not None:
            install_f1(page, help_section)
        self._page_list.append(page)
        self.pages.addWidget(_scrolling(page))
        item = QListWidgetItem(page.nav_icon(), page.nav_title())
        self.navigation.addItem(item)
        row = self.navigation.count() - 1
        if row < 9:  # Ctrl+1 … Ctrl+9 jump to the pages, in navigation order
            shortcut = QShortcut(QKeySequence(f"Ctrl+{row + 1}"), self)
            shortcut.activated.connect(lambda r=row: self.navigation.setCurrentRow(r))

    def _add_feature_pages(self) -> None:
        """The pages each role works in (services enforce the same rights again)."""
        ctx, actor = self.ctx, self.actor
        self.intake_page: IntakePage | None = None
        if has_permission(actor.role, Permission.REGISTER):
            self.intake_page = IntakePage(ctx, actor)
            self.intake_page.sig_saved.connect(self._offer_receipt)
            self.add_page(self.intake_page, "intake")
        self.case_list_page = CaseListPage(ctx, actor)
        self.case_list_page.sig_open_case.connect(self.open_case)
        self.add_page(self.case_list_page, "case_list")
        if has_permission(actor.role, Permission.REPORTS):
            self.dashboard_page = LazyPage(self._dashboard, lambda: _("Dashboard"), lambda: icons.icon(icons.DASHBOARD))
            self.add_page(self.dashboard_page, "reports")
        # built when first shown, like the dashboard: their modules load then, not while the window opens
        self.legal_page = LazyPage(self._legal_page, lambda: _("Legal reference"), lambda: icons.icon(icons.LEGAL))
        self.add_page(self.legal_page)
        if shows_library_page(actor):  # 案例库: anonymised model cases of every branch
            self.add_page(lazy_library_page(ctx, actor))
        self.admin_page: LazyPage | None = None
        if has_permission(actor.role, Permission.ADMINISTER):
            self.admin_page = LazyPage(self._admin_page, lambda: _("Administration"), lambda: icons.icon(icons.ADMIN))
            self.add_page(self.admin_page, "administration")
        self.audit_page: LazyPage | None = None
        if has_permission(actor.role, Permission.VIEW_AUDIT_LOG):
            self.audit_page = LazyPage(self._audit_page, lambda: _("Audit log"), lambda: icons.icon(icons.AUDIT))
            self.add_page(self.audit_page, "administration")
        if shows_team_page(actor):
            self.add_page(lazy_team_page(ctx, actor), "reports")
        if shows_improvements_page(actor):
            self.add_page(lazy_improvements_page(ctx, actor), "reports")
        if shows_quality_page(actor):
            self.add_page(lazy_quality_page(ctx, actor), "reports")

    def _dashboard(self) -> Page:
        """Built on first show: its charts and the reports service (openpyxl) load then, not at start-up."""
        from ui.reports.dashboard_page import DashboardPage

        page = DashboardPage(self.ctx, self.actor)
        page.sig_filter_requested.connect(self.show_cases)
        return page

    def _legal_page(self) -> Page:
        from ui.legal import LegalReferencePage

        return LegalReferencePage(self.ctx, self.actor)

    def _admin_page(self) -> Page:
        from ui.admin import AdminPage

        return AdminPage(self.ctx, self.actor)

    def _audit_page(self) -> Page:
        from ui.admin import AuditLogPage

        return AuditLogPage(self.ctx, self.actor)

    def open_case(self, complaint_id: object) -> None:
        """Show a case in place of the current page; Back returns to the page it was opened from."""
        assert isinstance(complaint_id, uuid.UUID)
        from ui.cases.case_page import build_case_view  # the case view (letters, reportlab) loads on first use

        view = build_case_view(self.ctx, self.actor, complaint_id)
        back_to = self.pages.currentIndex()
        holder = _scrolling(view)
        holder.setObjectName("caseHolder")
        view.sig_changed.connect(lambda _id: self._refresh_pages())
        view.sig_open_case.connect(self.open_case)  # a linked case: Back returns to this one
        view.sig_closed.connect(lambda: self._close_case(holder, back_to))
        self.pages.addWidget(holder)
        self.pages.setCurrentWidget(holder)

    def show_cases(self, flt: object) -> None:
        """The case list, filtered as the dashboard asked (a clicked bar)."""
        assert isinstance(flt, CaseFilter)
        self.case_list_page.apply_filter(flt)
        self.navigation.setCurrentRow(self._page_list.index(self.case_list_page))

    def show_export(self) -> None:
        from ui.reports.export_dialog import ExportReportDialog  # openpyxl: loaded on first use

        ExportReportDialog(self.ctx, self.actor, self).exec()

    def show_import(self) -> None:
        from ui.reports.import_dialog import ImportDialog  # openpyxl: loaded on first use

        ImportDialog(self.ctx, self.actor, self).exec()

    def open_case_number(self, case_number: str) -> None:
        """Find the case (off the GUI thread) and open it; a wrong number is shown by the error presenter."""
        backend, actor = self.ctx.backend, self.actor
        run_call(self, lambda: backend.call(actor, find_by_number, case_number),
                 lambda detail: self.open_case(detail.id))

    def _close_case(self, view: QWidget, back_to: int) -> None:
        self.pages.removeWidget(view)
        view.deleteLater()
        if 0 <= back_to < len(self._page_list):
            self.pages.setCurrentIndex(back_to)
            self._page_list[back_to].refresh()

    def _refresh_pages(self) -> None:
        for page in self._page_list:
            if page.isVisible():
                page.refresh()

    def _offer_receipt(self, complaint_id: object) -> None:
        assert isinstance(complaint_id, uuid.UUID)
        page = self.intake_page
        number = page.last_saved.case_number if page is not None and page.last_saved is not None else ""
        from ui.letters import offer_receipt  # reportlab: loaded on first use

        offer_receipt(self, self.ctx, self.actor, complaint_id, case_number=number)

    def show_batch_letters(self) -> None:
        from ui.letters import BatchLettersDialog  # reportlab: loaded on first use

        BatchLettersDialog(self.ctx, self.actor, self).exec()

    def show_guidance_import(self) -> None:
        from ui.checklists.import_dialog import GuidanceImportDialog  # loaded on first use

        GuidanceImportDialog(self.ctx, self.actor, self).exec()

    def page_titles(self) -> list[str]:
        return [self.navigation.item(row).text() for row in range(self.navigation.count())]

    def current_page(self) -> Page:
        return self._page_list[self.pages.currentIndex()]

    def _show_page(self, row: int) -> None:
        if 0 <= row < len(self._page_list):
            self.pages.setCurrentIndex(row)
            self._page_list[row].refresh()

    def scheduled_backup(self) -> None:
        """The daily SQLite backup with rotation, in the background (a failure is logged and shown)."""
        db = local_database(self.ctx)
        if db is None:  # a desk server backs up its own database
            return
        engine = db.engine

        def work(_progress: object, _cancelled: object) -> object:
            return backup_if_due(engine, backup_dir())

        def done(path: object) -> None:
            if path is not None:
                self.statusBar().showMessage(_("Backup saved: {path}").format(path=path), 10_000)

        run_job(self, work, done)  # nothing arrives once the window is closed

    # -- keyboard --------------------------------------------------------------------------------
    def _build_shortcuts(self) -> None:
        """Window-wide keys (Help ▸ Keyboard shortcuts lists them): F1 from the navigation, Ctrl+N a new
        intake. Pages bind their own (Ctrl+F, Ctrl+S, F1 inside the page); the wheel guard is app-wide."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_keyboard_model(app)
        self.help_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents), self.navigation)
        self.help_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.help_shortcut.activated.connect(lambda: show_help(self, section_for(self.current_page())))
        self.new_intake_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.New), self)
        self.new_intake_shortcut.activated.connect(self.new_intake)

    def new_intake(self) -> None:
        """Ctrl+N: the intake form, ready for the next customer (what is typed there stays)."""
        page = self.intake_page
        if page is None:
            return
        self.navigation.setCurrentRow(self._page_list.index(page))
        page.start_next()

    # -- menus -----------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(lambda: self.idle_lock.lock(manual=True))
        self.file_menu.addAction(self.lock_action)
        self.switch_user_action = QAction(self)
        self.switch_user_action.setObjectName("switchUserAction")
        self.switch_user_action.triggered.connect(self.sig_switch_user.emit)
        self.file_menu.addAction(self.switch_user_action)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.grumble_action = QAction(self)  # Ctrl+G: the grumble log (ui.grumbles)
        self.grumble_action.setShortcut(QKeySequence("Ctrl+G"))
        self.grumble_action.triggered.connect(lambda: open_grumble_log(self))
        self.grumble_action.setVisible(has_permission(self.actor.role, Permission.REGISTER))
        self.file_menu.addAction(self.grumble_action)
        self.grumble_list_action = QAction(self)  # Ctrl+Shift+G: past grumbles (ui.grumbles)
        self.grumble_list_action.setShortcut(QKeySequence("Ctrl+Shift+G"))
        self.grumble_list_action.triggered.connect(lambda: open_grumble_list(self))
        self.grumble_list_action.setVisible(has_permission(self.actor.role, Permission.VIEW_CASE))
        self.file_menu.addAction(self.grumble_list_action)
        self.opportunities_action = QAction(self)
        self.opportunities_action.triggered.connect(lambda: open_opportunities(self))
        self.opportunities_action.setVisible(may_use_opportunities(self.actor))
        self.file_menu.addAction(self.opportunities_action)
        self.practice_action = QAction(self)  # practice mode: drills on the practice database (ui.drills)
        self.practice_action.setObjectName("practiceAction")
        self.practice_action.triggered.connect(lambda: open_practice_mode(self))
        self.file_menu.addAction(self.practice_action)

        self.letters_action = QAction(self)
        self.letters_action.triggered.connect(self.show_batch_letters)
        self.file_menu.addAction(self.letters_action)
        self.export_action = QAction(self)
        self.export_action.triggered.connect(self.show_export)
        self.export_action.setVisible(has_permission(self.actor.role, Permission.REPORTS))
        self.file_menu.addAction(self.export_action)
        self.import_action = QAction(self)
        self.import_action.triggered.connect(self.show_import)
        # migration imports (supervisors and managers: their branch's old registers) and, at HQ, consolidation
        self.import_action.setVisible(has_permission(self.actor.role, Permission.IMPORT_CASES)
                                      or has_permission(self.actor.role, Permission.CONSOLIDATE))
        self.file_menu.addAction(self.import_action)
        self.guidance_action = QAction(self)
        self.guidance_action.triggered.connect(self.show_guidance_import)
        self.guidance_action.setVisible(has_permission(self.actor.role, Permission.MANAGE_GUIDANCE))
        self.file_menu.addAction(self.guidance_action)
        self.settings_action = QAction(self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(
            lambda: SettingsDialog(self.ctx, self.actor, self, on_language=self.set_language,
                                   on_idle_minutes=self.idle_lock.set_minutes).exec())
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.removeAction(self.quit_action)  # Quit stays last
        self.file_menu.addAction(self.quit_action)
        self.view_menu = bar.addMenu("")
        self.refresh_action = QAction(self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(lambda: self.current_page().refresh())
        self.view_menu.addAction(self.refresh_action)
        self.language_menu = self.view_menu.addMenu("")
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGE_NAMES.items():
            action = QAction(name, self, checkable=True)
            action.setData(code)
            action.setChecked(code == i18n.current_language())
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action

        self.help_menu = bar.addMenu("")
        self.guide_action = QAction(self)
        self.guide_action.triggered.connect(lambda: show_help(self, section_for(self.current_page())))
        self.help_menu.addAction(self.guide_action)
        self.shortcuts_action = QAction(self)
        self.shortcuts_action.triggered.connect(lambda: show_help(self, "shortcuts"))
        self.help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)

    def set_language(self, language: str) -> None:
        switch_language(language)
        self.language_actions[i18n.current_language()].setChecked(True)
        try:
            save_config({"language": i18n.current_language()})
        except OSError:
            log.warning("could not save the language preference", exc_info=True)

    def show_about(self) -> None:
        QMessageBox.about(self, _("About Complaint Desk"), _(
            "<h3>Complaint Desk {version}</h3><p>Complaint handling for branch counters: intake, "
            "deadlines, the six-step handling flow, letters and reports.</p>").format(
                version=desk_app.__version__))

    # -- texts -----------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Complaint Desk — {branch}").format(branch=self.actor.branch_code))
        self.file_menu.setTitle(_("&File"))
        self.lock_action.setText(_("&Lock the screen"))
        self.switch_user_action.setText(_("Sign &out / switch user"))
        self.letters_action.setText(_("Letters &due today…"))
        self.grumble_action.setText(_("Record a &grumble (抱怨登记)…"))
        self.grumble_list_action.setText(_("Pas&t grumbles…"))
        self.opportunities_action.setText(_("O&pportunities and suggestions…"))
        self.practice_action.setText(_("P&ractice mode: drills (模拟演练)…"))
        self.guidance_action.setText(_("Import &checklists and word lists…"))
        self.export_action.setText(_("&Export statistics and case details…"))
        self.import_action.setText(_("&Import spreadsheets or branch exports…"))
        self.settings_action.setText(_("&Settings…"))
        self.quit_action.setText(_("&Quit"))
        self.view_menu.setTitle(_("&View"))
        self.refresh_action.setText(_("&Refresh"))
        self.language_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About Complaint Desk"))
        self.guide_action.setText(_("&User guide (F1 on each page)"))
        self.shortcuts_action.setText(_("&Keyboard shortcuts"))
        for row, page in enumerate(self._page_list):
            self.navigation.item(row).setText(page.nav_title())
        self.navigation.setAccessibleName(_("Navigation"))
        where = database_label(self.ctx)
        short = where if len(where) <= 36 else "…" + where[-35:]  # the tail names the file; the tooltip, all
        self.db_status.setText(_("Database: {db}").format(db=short))
        self.db_status.setToolTip(where)
        self.schema_status.setText(_("Schema: {revision}").format(
            revision=self.ctx.schema_revision or _("(empty)")))
        self.user_status.setText(_("Signed in: {name} ({role})").format(
            name=self.actor.display_name, role=self.actor.role.label))

    # -- window state (UI state only lives in QSettings) -------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = load_state(StateKey.MAIN_WINDOW_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1180, 760)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle_lock.stop()
        self.backup_timer.stop()
        save_state(StateKey.MAIN_WINDOW_GEOMETRY, self.saveGeometry())
        super().closeEvent(event)
