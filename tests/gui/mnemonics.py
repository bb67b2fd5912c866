"""What a window answers to from the keyboard: its mnemonics (the &-letters of labels with a buddy, buttons,
group boxes and tabs), its QShortcut and QAction shortcuts, and the menu bar's Alt letters; and what clashes.

Only what is live counts: widgets that are shown (a hidden page's letters are inactive), shortcuts whose
widget is shown and enabled. Mnemonics are read from the texts as Qt reads them (``QKeySequence.mnemonic``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QMenuBar, QTabBar, QWidget


@dataclass(frozen=True)
class Binding:
    keys: str
    """Portable text of the key sequence, e.g. "Alt+Q", "Ctrl+S"."""
    owner: str
    """What answers to it: widget class, object name and text."""
    scope: QWidget | None = None
    """Where the focus must be for it to fire (a widget-with-children shortcut); None: anywhere in the window."""

    def overlaps(self, other: Binding) -> bool:
        if self.scope is None or other.scope is None:
            return True
        return self.scope is other.scope or self.scope.isAncestorOf(other.scope) \
            or other.scope.isAncestorOf(self.scope)


def _mnemonic(text: str) -> str:
    return QKeySequence.mnemonic(text).toString(QKeySequence.SequenceFormat.PortableText)


def _describe(widget: QWidget, text: str) -> str:
    return f"{type(widget).__name__}#{widget.objectName() or '-'} {text!r}"


def _live(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisibleTo(window) and widget.isEnabled() and widget.window() is window


def menu_letters(window: QWidget) -> dict[str, str]:
    """Alt+letter → menu title, for the window's menu bar (none for a dialog)."""
    found: dict[str, str] = {}
    for bar in window.findChildren(QMenuBar):
        for action in bar.actions():
            keys = _mnemonic(action.text())
            if keys and action.isVisible():
                found[keys] = action.text()
    return found


def bindings(window: QWidget) -> list[Binding]:
    """Every live mnemonic and shortcut of ``window`` outside its menu bar's titles."""
    found: list[Binding] = []
    for label in window.findChildren(QLabel):
        if label.buddy() is not None and _live(label, window) and (keys := _mnemonic(label.text())):
            found.append(Binding(keys, _describe(label, label.text())))
    for button in window.findChildren(QAbstractButton):
        if not _live(button, window):
            continue
        keys = button.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        if keys:
            found.append(Binding(keys, _describe(button, button.text())))
    for box in window.findChildren(QGroupBox):
        if _live(box, window) and (keys := _mnemonic(box.title())):
            found.append(Binding(keys, _describe(box, box.title())))
    for bar in window.findChildren(QTabBar):
        if not _live(bar, window):
            continue
        for index in range(bar.count()):
            if bar.isTabVisible(index) and bar.isTabEnabled(index) and (keys := _mnemonic(bar.tabText(index))):
                found.append(Binding(keys, _describe(bar, bar.tabText(index))))
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if shortcut.isEnabled() and isinstance(parent, QWidget) and (parent is window or _live(parent, window)):
            local = shortcut.context() in (Qt.ShortcutContext.WidgetShortcut,
                                           Qt.ShortcutContext.WidgetWithChildrenShortcut)
            for sequence in shortcut.keys():  # noqa: SIM118 - QShortcut.keys(), not a dict
                found.append(Binding(sequence.toString(QKeySequence.SequenceFormat.PortableText),
                                     f"QShortcut on {_describe(parent, '')}", parent if local else None))
    for action in window.findChildren(QAction):
        if not action.isEnabled() or not action.shortcuts():
            continue
        holders = [w for w in action.associatedObjects() if isinstance(w, QWidget)]
        if not any(w is window or isinstance(w, QMenu) or _live(w, window) for w in holders):
            continue
        for sequence in action.shortcuts():
            found.append(Binding(sequence.toString(QKeySequence.SequenceFormat.PortableText),
                                 f"QAction {action.text()!r}"))
    return found


def problems(window: QWidget) -> list[str]:
    """Keys bound twice where both can fire (shortcuts local to two separate widgets do not meet), and Alt
    letters that the menu bar's titles already use."""
    by_keys: dict[str, list[Binding]] = defaultdict(list)
    for binding in bindings(window):
        by_keys[binding.keys].append(binding)
    menus = menu_letters(window)
    found: list[str] = []
    for keys, bound in sorted(by_keys.items()):
        clashing = [a for a in bound if any(a is not b and a.overlaps(b) for b in bound)]
        if clashing:
            found.append(f"{keys}: {' / '.join(b.owner for b in clashing)}")
        if keys in menus:
            found.append(f"{keys}: {' / '.join(b.owner for b in bound)} clashes with the menu {menus[keys]!r}")
    return found
