"""The Roles tab: what each role may do, read-only, straight from ``desk_app.domain.permissions``.

A cell says "✓ Yes" or "– No" (a glyph and a word, never colour alone); the last row gives the compensation
each role may approve on its own.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import Role
from desk_app.domain.permissions import Permission, compensation_limit, has_permission
from desk_app.i18n import _
from ui.tables import readonly_table

YES_MARK = "✓"
NO_MARK = "–"


def _amount(value: Decimal) -> str:
    return f"¥{value:,.0f}"


class RolesTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rolesTab")
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = QTableWidget(len(Permission) + 1, len(Role) + 1, self)
        self.table.setObjectName("roleMatrix")
        readonly_table(self.table, wrap=True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(Role) + 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.intro.setText(_("What each role may do. The rights are fixed in this version; give a person a role on "
                             "the Users tab. Branch staff act on their own branch's cases, headquarters on all."))
        self.table.setAccessibleName(_("Rights of each role"))
        self.table.setHorizontalHeaderLabels([_("Right")] + [role.label for role in Role])
        yes, no = _("Yes"), _("No")
        bold = QFont(self.font())
        bold.setBold(True)
        for row, permission in enumerate(Permission):
            self.table.setItem(row, 0, QTableWidgetItem(permission.label))
            for column, role in enumerate(Role, start=1):
                allowed = has_permission(role, permission)
                item = QTableWidgetItem(f"{YES_MARK} {yes}" if allowed else f"{NO_MARK} {no}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(Qt.ItemDataRole.UserRole, allowed)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{role.label}: {permission.label}: "
                             f"{yes if allowed else no}")
                if allowed:
                    item.setFont(bold)
                else:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        last = len(Permission)
        self.table.setItem(last, 0, QTableWidgetItem(_("Compensation approved on its own, up to")))
        for column, role in enumerate(Role, start=1):
            limit = compensation_limit(role)
            if limit is not None:
                text = _amount(limit)
            elif has_permission(role, Permission.APPROVE_COMPENSATION):
                text = _("no limit")
            else:
                text = f"{NO_MARK} {no}"
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(last, column, item)

    def allowed(self, permission: Permission, role: Role) -> bool:
        """What the matrix shows for one cell (for tests)."""
        item = self.table.item(list(Permission).index(permission), list(Role).index(role) + 1)
        return item is not None and bool(item.data(Qt.ItemDataRole.UserRole))
