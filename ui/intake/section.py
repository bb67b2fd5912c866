"""A titled group of the intake form's fields, and the helpers that lay them out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ui.intake.widgets import Field, FieldBox, plain

Problems = list[tuple[str, str]]
"""(field key, message) pairs found by a section's checks."""


def form_layout() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


class FormSection(QGroupBox):
    """A titled group of fields; collects its Field records for the page (errors, focus, tab order)."""

    sig_changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.fields: dict[str, Field] = {}
        self.labels: dict[str, QLabel] = {}
        self.tab_chain: list[QWidget] = []

    def retranslate_ui(self) -> None:
        """Set the section's texts in the current language (subclasses)."""

    def add_row(self, form: QFormLayout, key: str, content: QWidget | QLayout, focus: QWidget,
                *, chain: list[QWidget] | None = None) -> QLabel:
        label = QLabel(self)
        label.setBuddy(focus)
        box = FieldBox(content, self)
        form.addRow(label, box)
        self.fields[key] = Field(key, focus, box.error)
        self.labels[key] = label
        self.tab_chain.extend(chain if chain is not None else [focus])
        return label

    def set_label(self, key: str, text: str) -> None:
        self.labels[key].setText(text)
        self.fields[key].focus.setAccessibleName(plain(text))

    def watch(self, *widgets: QWidget) -> None:
        """Report every user change of these inputs through ``sig_changed``."""
        for widget in widgets:
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.textChanged.connect(self.sig_changed)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self.sig_changed)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(self.sig_changed)


def text_edit(name: str, parent: QWidget, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 12
    edit.setFixedHeight(height)
    return edit
