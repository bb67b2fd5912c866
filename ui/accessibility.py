"""Keyboard and screen-reader checks: what the accessibility test asserts of every screen.

Every input has a name a screen reader can say (its own accessible name or the text of its buddy
label), every input and button can be reached with Tab, and icon-only buttons carry an accessible
name. A button deliberately kept out of the Tab chain names its keyboard alternative in the
``KEYBOARD_ALTERNATIVE`` property (the code picker's "…" button: F4 in its field).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: Dynamic property: the key that does what this (un-tabbable) button does.
KEYBOARD_ALTERNATIVE = "keyboardAlternative"

INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def _labelled(window: QWidget) -> set[int]:
    """ids of the widgets some visible label names (its buddy)."""
    named = set()
    for label in window.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and label.text():
            named.add(id(buddy))
    return named


def _inside_other_input(widget: QWidget) -> bool:
    """The line edit inside a combo box or spin box is named through its owner."""
    parent = widget.parentWidget()
    return isinstance(parent, QComboBox | QAbstractSpinBox)


def audit(window: QWidget) -> list[str]:
    """What a keyboard or screen-reader user would miss among the visible widgets of ``window``."""
    problems = []
    named_by_label = _labelled(window)
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled():
            continue
        if isinstance(widget, INPUTS) and not _inside_other_input(widget):
            if not (widget.accessibleName() or id(widget) in named_by_label):
                problems.append(f"{type(widget).__name__} {widget.objectName() or '?'} has no accessible name")
            if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                problems.append(f"{type(widget).__name__} {widget.objectName() or '?'} cannot be reached with Tab")
        elif isinstance(widget, QAbstractButton) and widget.parentWidget() is not None:
            if type(widget).__name__ in ("QTabBarTab", "CloseButton") or widget.objectName().startswith("qt_"):
                continue
            if not (widget.text().replace("&", "").strip() or widget.accessibleName()):
                problems.append(f"{type(widget).__name__} {widget.objectName() or '?'} (icon only) has no "
                                f"accessible name")
            keyboard = widget.shortcut().toString() or widget.property(KEYBOARD_ALTERNATIVE)
            if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus and not keyboard:
                problems.append(f"{type(widget).__name__} '{widget.text()}' cannot be reached with Tab")
    return problems
