"""Typing like a counter clerk: key events into the widget that has the keyboard focus.

Latin text goes in as key clicks; Chinese text arrives as an input method delivers it, as a committed
string (QTest's key clicks cannot produce CJK characters). Moving between fields is Tab, Alt+mnemonic or
the arrow keys — never ``setText``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
#: QAbstractButton.animateClick: a shortcut presses the button, which clicks 100 ms later.
ANIMATED_CLICK_MS = 150


class KeyCount:
    """Keys pressed beyond the typed text (Tab, Alt+letter, arrows, Enter, Ctrl+S…), counted by every helper
    here; ``typed`` counts the characters typed (``type_text``)."""

    pressed = 0
    typed = 0

    @classmethod
    def reset(cls) -> None:
        cls.pressed = cls.typed = 0


def focus_widget() -> QWidget:
    """Where a key goes: the focused widget, or the active window when nothing in it has the focus (Tab
    there gives the focus to its first field)."""
    widget = QApplication.focusWidget() or QApplication.activeWindow()
    assert widget is not None, "no window is active"
    return widget


def key(qtbot: QtBot, code: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """One key press (and release) on the focused widget."""
    KeyCount.pressed += 1
    qtbot.keyClick(focus_widget(), code, modifier)


def type_text(qtbot: QtBot, text: str) -> None:
    """Type ``text`` into the focused widget: ASCII as key clicks, anything else as an input method's commit;
    a new line is Return (in a multi-line text)."""
    run = ""
    KeyCount.typed += len(text)

    def flush_ascii() -> None:
        nonlocal run
        if run:
            qtbot.keyClicks(focus_widget(), run)
            run = ""

    pending = ""

    def flush_other() -> None:
        nonlocal pending
        if pending:
            event = QInputMethodEvent("", [])
            event.setCommitString(pending)
            QApplication.sendEvent(focus_widget(), event)
            pending = ""

    for char in text:
        if char == "\n":
            flush_ascii()
            flush_other()
            qtbot.keyClick(focus_widget(), Qt.Key.Key_Return)  # typed text, not counted as a key
        elif char.isascii():
            flush_other()
            run += char
        else:
            flush_ascii()
            pending += char
    flush_ascii()
    flush_other()


def replace_text(qtbot: QtBot, text: str) -> None:
    """Select what the focused field holds (Ctrl+A) and type ``text`` over it (Delete when empty)."""
    key(qtbot, Qt.Key.Key_A, CTRL)
    if text:
        type_text(qtbot, text)
    else:
        key(qtbot, Qt.Key.Key_Delete)


def tab_to(qtbot: QtBot, target: QWidget, limit: int = 120, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab) until ``target`` has the focus. Multi-line texts here pass Tab on (they are
    set to ``tabChangesFocus``), as do the other fields."""
    for _ in range(limit):
        if QApplication.focusWidget() is target:
            return
        widget = focus_widget()
        assert not (isinstance(widget, QPlainTextEdit | QTextEdit) and not widget.tabChangesFocus()
                    and not widget.isReadOnly()), f"{widget.objectName()} takes Tab as text: a keyboard user is stuck"
        KeyCount.pressed += 1
        qtbot.keyClick(widget, Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab,
                       SHIFT if backwards else Qt.KeyboardModifier.NoModifier)
        if not isinstance(widget, QDateTimeEdit):  # there Tab first walks through the date's sections
            assert QApplication.focusWidget() is not widget, f"Tab does not leave {widget.objectName()}"
    raise AssertionError(f"Tab never reached {target.objectName() or type(target).__name__}; "
                         f"the focus is on {focus_widget().objectName() or type(focus_widget()).__name__}")


def arrow_to(qtbot: QtBot, target: QWidget, limit: int) -> None:
    """Press Right (at most ``limit`` times) along a row of check boxes until ``target`` has the focus."""
    for _ in range(limit):
        if focus_widget() is target:
            return
        key(qtbot, Qt.Key.Key_Right)
    assert focus_widget() is target, f"Right never reached {target.objectName() or type(target).__name__}"


def press(qtbot: QtBot, button: QAbstractButton) -> None:
    """Tab to ``button`` and press Space, as a keyboard user presses a button."""
    tab_to(qtbot, button)
    key(qtbot, Qt.Key.Key_Space)


def mnemonic(qtbot: QtBot, letter: str) -> None:
    """Alt+``letter`` on the focused widget: jumps to the label's buddy, or presses the button (a button
    pressed by its shortcut shows itself pressed for a moment, then clicks: wait for that)."""
    key(qtbot, getattr(Qt.Key, f"Key_{letter.upper()}"), ALT)
    qtbot.wait(ANIMATED_CLICK_MS)


def choose(qtbot: QtBot, combo: QComboBox, data: object, limit: int = 60) -> None:
    """With ``combo`` focused, press Down (or Up) until the item whose data is ``data`` is current."""
    assert QApplication.focusWidget() is combo, "the combo box must have the focus"
    wanted = next((i for i in range(combo.count()) if combo.itemData(i) == data), -1)
    assert wanted >= 0, f"{data!r} is not offered"
    for _ in range(limit):
        if combo.currentIndex() == wanted:
            return
        KeyCount.pressed += 1
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < wanted else Qt.Key.Key_Up)
    raise AssertionError(f"{data!r} could not be reached with the arrow keys")
