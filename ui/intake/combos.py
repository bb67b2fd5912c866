"""Combo boxes over the domain's labelled enums, relabelled when the language changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

from PySide6.QtWidgets import QComboBox, QWidget

from desk_app.domain.enums import LabelledEnum

E = TypeVar("E", bound=LabelledEnum)


class EnumCombo(QComboBox, Generic[E]):
    """Items are enum members (stored as item data); texts are their translated labels."""

    def __init__(self, members: Iterable[E], name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._members: list[E] = list(members)
        for member in self._members:
            self.addItem(member.label, member.value)

    def value(self) -> E:
        return self._members[max(self.currentIndex(), 0)]

    def set_value(self, member: E | str | None) -> None:
        for index, candidate in enumerate(self._members):
            if candidate == member:
                self.setCurrentIndex(index)
                return

    def retranslate(self) -> None:
        for index, member in enumerate(self._members):
            self.setItemText(index, member.label)
