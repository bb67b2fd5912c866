"""Building blocks of the intake form: a field with its inline error, banners, Enter-to-advance."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import icons
from ui.dialogs.common import InlineError


def plain(text: str) -> str:
    """A label's text without its mnemonic marker and trailing colon, for accessible names."""
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    for suffix in (":", "："):
        text = text.removesuffix(suffix)
    # "姓名(N)" → "姓名": a Chinese label keeps its mnemonic letter in brackets.
    if text.endswith(")") and len(text) >= 3 and text[-3] == "(" and text[-2].isascii():
        text = text[:-3]
    return text.strip()


@dataclass
class Field:
    """One input of the form: where to put the focus and where to show its error."""

    key: str
    focus: QWidget
    error: InlineError

    def show_error(self, message: str) -> None:
        self.error.show_message(message)

    def clear_error(self) -> None:
        self.error.clear()


class FieldBox(QWidget):
    """The input (or a row of inputs) with its inline error underneath, so an error sits next to its field."""

    def __init__(self, content: QWidget | QLayout, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        if isinstance(content, QLayout):
            layout.addLayout(content)
        else:
            layout.addWidget(content)
        self.error = InlineError(self)
        layout.addWidget(self.error)


class Banner(QFrame):
    """A framed message with an icon (never colour alone) and optional buttons; hidden while empty."""

    def __init__(self, name: str, icon_name: str | None = icons.WARNING, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._icon = QLabel(self)
        if icon_name:
            self._icon.setPixmap(icons.icon(icon_name).pixmap(QSize(24, 24)))
        self._icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(6)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        layout.addLayout(self._buttons)
        self.hide()

    def add_button(self, name: str) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName(name)
        self._buttons.addWidget(button)
        return button

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))

    def text(self) -> str:
        return self.label.text()


def set_style(widget: QWidget, *, background: str, border: str) -> None:
    name = widget.objectName()
    widget.setStyleSheet(f"QFrame#{name} {{ background: {background}; border: 1px solid {border}; "
                         f"border-radius: 4px; }}")


class EnterAdvances(QObject):
    """Event filter: Return/Enter in a one-line input moves the focus to the next field (as Tab does).

    A completer popup that is open keeps its Enter (it picks the entry); buttons keep theirs (they click);
    multi-line texts keep theirs (new line) and leave with Tab instead.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if isinstance(watched, QLineEdit):
            completer = watched.completer()
            popup = completer.popup() if completer is not None else None
            if popup is not None and popup.isVisible():
                return False
        elif isinstance(watched, QComboBox):
            view = watched.view()
            if view is not None and view.isVisible():
                return False
        elif not isinstance(watched, QDateTimeEdit | QAbstractButton):
            return False
        if isinstance(watched, QPushButton):
            return False
        watched.focusNextChild()
        return True
