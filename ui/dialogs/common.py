"""Small pieces shared by the dialogs."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ui import icons


class InlineError(QWidget):
    """A warning shown inside a form (icon + text, never colour alone); hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inlineError")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        self._icon = QLabel(self)
        self._icon.setPixmap(icons.icon(icons.WARNING).pixmap(QSize(20, 20)))
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #a61b1b; font-weight: bold;")
        layout.addWidget(self._icon)
        layout.addWidget(self.label, 1)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.show_message("")

    def text(self) -> str:
        return self.label.text()
