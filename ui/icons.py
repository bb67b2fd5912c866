"""Icons from ``resources/icons/*.svg`` (crisp at any screen scale), cached by name."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from desk_app.paths import resources_dir

APP = "app"
OVERDUE = "overdue"
DUE_SOON = "due-soon"
WARNING = "warning"
OVERVIEW = "overview"
CASES = "cases"
LEGAL = "legal"
DASHBOARD = "dashboard"
ADMIN = "admin"
AUDIT = "audit"


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``; an empty QIcon (and no crash) when it is missing."""
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
