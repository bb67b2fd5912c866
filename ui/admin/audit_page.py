"""The audit log viewer (审计日志): who saw unmasked personal data, exported, or changed accounts and branches.

Filters: user, case number (part of it is enough), action and a date range; the newest entries come first,
a page at a time ("Load more"). "Verify chain" recomputes the hash chain of the whole log in the background
and names the first entry that was changed or removed behind the application's back.

Who may open it: the roles with ``Permission.VIEW_AUDIT_LOG`` (administrators and HQ analysts), as
``desk_app.services.audit.list_entries`` enforces. Whoever does not see every branch — an administrator of a
branch — sees only the entries of their branch's staff and cases; supervisors and branch managers do not
have the right, so the page is not added for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.events import describe_event
from desk_app.domain.timeline import EventKind
from desk_app.i18n import _, ngettext
from desk_app.services import audit
from desk_app.services.access import sees_all_branches
from desk_app.services.accounts import UserInfo, list_users
from desk_app.services.audit import AuditAction, AuditBreak, AuditInfo
from ui import icons
from ui.context import AppContext
from ui.errors import show_error
from ui.page import Page
from ui.rows_model import ROW_ROLE, Column, RowsModel
from ui.tables import readonly_table
from ui.tasks import run_call

HELP_SECTION = "administration"
PAGE_SIZE = 200
DEFAULT_DAYS = 30
SEARCH_DELAY_MS = 400
ALL = ""


def action_labels() -> dict[str, str]:
    """A short name for every audited action (desk_app.services.audit.AUDITED) and the legacy ones."""
    a = AuditAction
    return {a.VIEW_PERSONAL_DATA: _("Viewed personal data"), a.EXPORT: _("Export"), a.REPORT: _("Report"),
            a.SIGN_IN: _("Sign-in"), a.SIGN_IN_FAILED: _("Failed sign-in"), a.LOCKED_OUT: _("Account locked"),
            a.SIGN_OUT: _("Sign-out"), a.IMPORT: _("Import"), a.CONSOLIDATION: _("Consolidation"),
            a.ANONYMISE: _("Anonymised personal data"), a.USER_CREATED: _("Account created"),
            a.USER_CHANGED: _("Account changed"), a.ROLE_CHANGED: _("Role changed"),
            a.PASSWORD_RESET: _("Password reset"), a.USER_UNLOCKED: _("Account unlocked"),
            a.BRANCH_CHANGED: _("Branch changed"), a.SETTINGS_CHANGED: _("Settings changed"),
            a.APPROVAL: _("Approval"), a.APPROVAL_RETURN: _("Proposal returned"),
            a.EXTENSION_REQUEST: _("Extension asked for"), a.EXTENSION_APPROVAL: _("Extension approved"),
            a.EXTENSION_RETURN: _("Extension returned"), a.LETTER_ISSUE: _("Letter issued"),
            a.LETTER_REPRINT: _("Letter reprinted"), a.CHAINS_REKEYED: _("Chains re-keyed"),
            a.ADMINISTRATION: _("Administration")}


def _operation_labels() -> dict[str, str]:
    return {"create_user": _("New user"), "update_user": _("User changed"), "reset_password": _("Password reset"),
            "unlock_user": _("User unlocked"), "create_branch": _("New branch"),
            "update_branch": _("Branch changed")}


def _key_labels() -> dict[str, str]:
    return {"username": _("user"), "branch": _("branch"), "role": _("role"), "name": _("name"),
            "display_name": _("name"), "active": _("active"), "fields": _("fields"), "purpose": _("purpose"),
            "customer_id": _("customer"), "years": _("years"), "cutoff": _("before"), "cases": _("cases"),
            "customers": _("customers"), "hotline": _("hotline"), "address": _("address"),
            "institution_type": _("institution type"), "timezone": _("time zone")}


def _field_labels() -> dict[str, str]:
    return {"id_number": _("ID number"), "phone": _("phone"), "address": _("address"), "email": _("e-mail"),
            "name": _("name")}


def _value(key: str, value: Any) -> str:
    if key == "fields" and isinstance(value, list):
        labels = _field_labels()
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if key == "role" and isinstance(value, str) and value in Role._value2member_map_:
        return Role(value).label
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value)
    if key == "customer_id" and isinstance(value, str):
        return value[:8]
    return "" if value is None else str(value)


#: Audited actions that record a case event as well: their details are described as that event is on the
#: case's timeline (desk_app.domain.events.describe_event), with the values the entry implies.
CASE_EVENTS: dict[str, tuple[EventKind, dict[str, Any]]] = {
    AuditAction.APPROVAL: (EventKind.RESOLUTION_DECIDED, {"approved": True}),
    AuditAction.APPROVAL_RETURN: (EventKind.RESOLUTION_DECIDED, {"approved": False}),
    AuditAction.EXTENSION_REQUEST: (EventKind.EXTENSION_REQUESTED, {}),
    AuditAction.EXTENSION_APPROVAL: (EventKind.EXTENSION_APPROVED, {}),
    AuditAction.EXTENSION_RETURN: (EventKind.EXTENSION_RETURNED, {}),
    AuditAction.LETTER_ISSUE: (EventKind.LETTER_ISSUED, {}),
}


def describe(entry: AuditInfo) -> str:
    """The details column in words: a case event as the timeline says it; otherwise the operation, then
    "key: value" and "field: old → new"."""
    if entry.action in CASE_EVENTS:
        kind, implied = CASE_EVENTS[entry.action]
        return describe_event(kind, {"approver": entry.user_name, **entry.detail, **implied})
    detail = dict(entry.detail)
    keys = _key_labels()
    parts: list[str] = []
    operation = detail.pop("operation", None)
    if operation:
        parts.append(_operation_labels().get(str(operation), str(operation)))
    changes = detail.pop("changes", None)
    for key, value in detail.items():
        if value not in ("", None, []):
            parts.append(f"{keys.get(key, key)}: {_value(key, value)}")
    if isinstance(changes, dict):
        for key, pair in changes.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)
            parts.append(f"{keys.get(key, key)}: {_value(key, old)} → {_value(key, new)}")
    return "; ".join(parts)


def break_text(found: AuditBreak) -> str:
    """The verifier's finding in words (its reasons are fixed English codes)."""
    if found.reason.startswith("sequence gap"):
        reason = _("an entry before it is missing")
    elif found.reason.startswith("previous-hash"):
        reason = _("its link to the previous entry does not match")
    else:
        reason = _("its content was changed after it was written")
    return _("⚠ The audit log is broken at entry {seq}: {reason}.").format(seq=found.seq, reason=reason)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AuditLogPage(Page):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None,
                 today: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditLogPage")
        self.ctx, self.actor = ctx, actor
        self._today = today or (lambda: datetime.now(ctx.office_tz).date())
        self._generation = 0
        self._users_loaded = False
        self.verifying = False
        self.more_available = False
        self.loading = False
        tz = ctx.office_tz

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.scope = QLabel(self)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.scope, 1)

        self.user_label, self.case_label, self.action_label = QLabel(self), QLabel(self), QLabel(self)
        self.from_label, self.to_label = QLabel(self), QLabel(self)
        self.user_combo = QComboBox(self)
        self.user_combo.setObjectName("auditUser")
        self.user_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.user_combo.setMinimumContentsLength(22)
        self.case_edit = QLineEdit(self)
        self.case_edit.setObjectName("auditCase")
        self.case_edit.setClearButtonEnabled(True)
        self.case_edit.setMaxLength(40)
        self.action_combo = QComboBox(self)
        self.action_combo.setObjectName("auditAction")
        self.action_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        end = self._today()
        self.date_from = QDateEdit(self)
        self.date_from.setObjectName("auditFrom")
        self.date_to = QDateEdit(self)
        self.date_to.setObjectName("auditTo")
        for edit, day in ((self.date_from, end - timedelta(days=DEFAULT_DAYS)), (self.date_to, end)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
        for label, buddy in ((self.user_label, self.user_combo), (self.case_label, self.case_edit),
                              (self.action_label, self.action_combo), (self.from_label, self.date_from),
                              (self.to_label, self.date_to)):
            label.setBuddy(buddy)
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("auditSearch")
        self.search_button.clicked.connect(self.reload)
        # Two rows, so that the filters fit a 1366×768 screen at 150 % scaling as well.
        filters = QGridLayout()
        filters.setHorizontalSpacing(6)
        for column, widget in enumerate((self.user_label, self.user_combo, self.action_label, self.action_combo,
                                         self.case_label, self.case_edit)):
            filters.addWidget(widget, 0, column)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addSpacing(8)
        dates.addWidget(self.to_label)
        dates.addWidget(self.date_to)
        dates.addSpacing(12)
        dates.addWidget(self.search_button)
        dates.addStretch(1)
        filters.addWidget(self.from_label, 1, 0)
        filters.addLayout(dates, 1, 1, 1, 5)
        filters.setColumnStretch(5, 1)
        self.case_edit.setMinimumWidth(self.fontMetrics().horizontalAdvance("X") * 18)

        self.model: RowsModel[AuditInfo] = RowsModel([
            Column("seq", lambda: _("No."), lambda e: str(e.seq)),
            Column("time", lambda: _("Time"), lambda e: e.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")),
            Column("user", lambda: _("User"), lambda e: e.user_name or _("(system)")),
            Column("action", lambda: _("Action"), lambda e: action_labels().get(e.action, e.action)),
            Column("case", lambda: _("Case number"), lambda e: e.case_number),
            Column("details", lambda: _("Details"), describe),
        ], self)
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        readonly_table(self.table)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("auditCount")
        self.more_button = QPushButton(self)
        self.more_button.setObjectName("auditMore")
        self.more_button.clicked.connect(self.load_more)
        self.verify_result = QLabel(self)
        self.verify_result.setObjectName("auditVerifyResult")
        self.verify_result.setWordWrap(True)
        self.verify_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_button = QPushButton(self)
        self.verify_button.setObjectName("auditVerify")
        self.verify_button.clicked.connect(self.verify_chain)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.more_button)
        bottom.addSpacing(16)
        bottom.addWidget(self.verify_result, 1)
        bottom.addWidget(self.verify_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.reload)
        self.case_edit.textChanged.connect(lambda _text: self.search_timer.start())
        self.case_edit.returnPressed.connect(self.reload)
        self.user_combo.currentIndexChanged.connect(self._combo_changed)
        self.action_combo.currentIndexChanged.connect(self._combo_changed)
        self.date_from.dateChanged.connect(lambda _d: self.reload())
        self.date_to.dateChanged.connect(lambda _d: self.reload())
        self._ready = False
        self.retranslate_ui()
        self._ready = True

    # -- Page ------------------------------------------------------------------------------------
    def nav_title(self) -> str:
        return _("Audit log")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.AUDIT)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Audit log (审计日志)"))
        self.scope.setText(_("All branches") if sees_all_branches(self.actor)
                           else _("Entries of branch {code}").format(code=self.actor.branch_code))
        self.user_label.setText(_("&User:"))
        self.case_label.setText(_("&Case:"))
        self.action_label.setText(_("&Action:"))
        self.from_label.setText(_("F&rom:"))
        self.to_label.setText(_("&To:"))
        self.user_combo.setAccessibleName(_("User"))
        self.case_edit.setAccessibleName(_("Case number"))
        self.case_edit.setPlaceholderText(_("case number or part of it"))
        self.action_combo.setAccessibleName(_("Action"))
        self.date_from.setAccessibleName(_("From date"))
        self.date_to.setAccessibleName(_("To date"))
        self.search_button.setText(_("&Search"))
        self.more_button.setText(_("Load &more"))
        self.verify_button.setText(_("Ver&ify chain"))
        self.verify_button.setToolTip(_("Recompute the hash chain of the whole log: finds entries changed or removed "
                                        "outside the application"))
        self.table.setAccessibleName(_("Audit log entries"))
        if self.user_combo.count():
            self.user_combo.setItemText(0, _("All users"))
        else:
            self.user_combo.addItem(_("All users"), ALL)
        self._fill_actions()
        self.model.retranslate()
        self._update_count()

    def refresh(self) -> None:
        """Read the users for the filter (once) and the entries matching the filters."""
        if not self._users_loaded:
            backend, actor = self.ctx.backend, self.actor

            def work() -> list[UserInfo]:
                users = backend.read(list_users)
                return users if sees_all_branches(actor) else [u for u in users if u.branch_id == actor.branch_id]

            run_call(self, work, self._users_arrived, self._failed)
        self.reload()

    # -- filters ---------------------------------------------------------------------------------
    def _fill_actions(self) -> None:
        current = self.action_combo.currentData() or ALL
        self.action_combo.blockSignals(True)
        self.action_combo.clear()
        self.action_combo.addItem(_("All actions"), ALL)
        for code, label in action_labels().items():
            self.action_combo.addItem(label, code)
        self.action_combo.setCurrentIndex(max(self.action_combo.findData(current), 0))
        self.action_combo.blockSignals(False)

    def _users_arrived(self, result: list[UserInfo]) -> None:
        self._users_loaded = True
        chosen = self.user_combo.currentData()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem(_("All users"), ALL)
        for user in sorted(result, key=lambda u: (u.branch_code, u.username)):
            self.user_combo.addItem(f"{user.display_name} ({user.username}, {user.branch_code})", str(user.id))
        self.user_combo.setCurrentIndex(max(self.user_combo.findData(chosen), 0))
        self.user_combo.blockSignals(False)

    def _combo_changed(self, _index: int) -> None:
        if self._ready:
            self.reload()

    def set_user_filter(self, user_id: uuid.UUID | None) -> bool:
        """Choose a user in the filter (None: all users); False when the user is not in the list."""
        index = self.user_combo.findData(str(user_id) if user_id else ALL)
        if index >= 0:
            self.user_combo.setCurrentIndex(index)
        return index >= 0

    def filters(self) -> dict[str, Any]:
        """The keyword arguments for ``audit.list_entries`` from the filter row."""
        tz = self.ctx.office_tz
        start, end = sorted((_date(self.date_from.date()), _date(self.date_to.date())))
        user = self.user_combo.currentData()
        return {"user_id": uuid.UUID(user) if user else None, "case_number": self.case_edit.text().strip(),
                "action": self.action_combo.currentData() or ALL,
                "since": datetime.combine(start, time(), tz), "until": datetime.combine(end + timedelta(days=1),
                                                                                          time(), tz)}

    # -- loading ---------------------------------------------------------------------------------
    def reload(self) -> None:
        """Show the first page of entries matching the filters."""
        if not self._ready:
            return
        self.search_timer.stop()
        self._load(offset=0)

    def load_more(self) -> None:
        self._load(offset=self.model.rowCount())

    def _load(self, offset: int) -> None:
        self._generation += 1
        generation = self._generation
        self.loading = True
        self._update_count()
        backend, actor, filters = self.ctx.backend, self.actor, self.filters()

        def work() -> list[AuditInfo]:
            return backend.call(actor, audit.list_entries, limit=PAGE_SIZE + 1, offset=offset, **filters)

        def done(result: list[AuditInfo]) -> None:
            if generation == self._generation:
                self.loading = False
                self.more_available = len(result) > PAGE_SIZE
                rows = result[:PAGE_SIZE]
                if offset:
                    self.model.append_rows(rows)
                else:
                    self.model.set_rows(rows)
                self._update_count()

        run_call(self, work, done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.verifying = False
        self.verify_button.setEnabled(True)
        self._update_count()
        show_error(self, exc)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        if self.loading:
            self.count_label.setText(_("Loading…"))
        elif self.more_available:
            self.count_label.setText(ngettext("The newest {n} entry shown", "The newest {n} entries shown", n)
                                     .format(n=n))
        else:
            self.count_label.setText(ngettext("{n} entry", "{n} entries", n).format(n=n))
        self.more_button.setVisible(self.more_available and not self.loading)

    def entries(self) -> list[AuditInfo]:
        return self.model.rows()

    # -- verification ----------------------------------------------------------------------------
    def verify_chain(self) -> None:
        """Recompute the whole chain in the background; the result is shown next to the button."""
        if self.verifying:
            return
        self.verifying = True
        self.verify_button.setEnabled(False)
        self.verify_result.setText(_("Checking the audit log…"))
        backend, actor = self.ctx.backend, self.actor

        run_call(self, lambda: backend.call(actor, audit.verify_log), self._verified, self._failed)

    def _verified(self, result: AuditBreak | None) -> None:
        self.verifying = False
        self.verify_button.setEnabled(True)
        if result is None:
            self.verify_result.setText(_("✓ The audit log is intact: every entry matches its hash and none is "
                                         "missing."))
            return
        self.verify_result.setText(break_text(result))
        for row, entry in enumerate(self.model.rows()):
            if entry.seq == result.seq:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                break

    def selected_entry(self) -> AuditInfo | None:
        index = self.table.currentIndex()
        row = self.model.data(index, ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, AuditInfo) else None
