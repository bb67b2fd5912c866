"""UI state kept between sessions in QSettings: window geometry and the case list's columns.

Only how the windows looked lives here; anything that changes behaviour is a setting in config.toml
(``desk_app.config``). Every key names its version: when a saved shape stops fitting (a column added to
the case list, say), the key's version goes up and the old value is simply never read again.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "complaint-desk"
APPLICATION = "Complaint Desk"


class StateKey(StrEnum):
    MAIN_WINDOW_GEOMETRY = "main_window/geometry/v1"
    CASE_LIST_HEADER = "case_list/header_state/v1"


def load_state(key: StateKey) -> QByteArray | None:
    """The saved state under ``key``, or None when there is none (or it is not a saved Qt state)."""
    value = QSettings(ORGANIZATION, APPLICATION).value(key.value)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_state(key: StateKey, value: QByteArray) -> None:
    QSettings(ORGANIZATION, APPLICATION).setValue(key.value, value)
