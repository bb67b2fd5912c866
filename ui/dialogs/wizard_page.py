"""What every page of the first-run wizard shares: its place in the wizard, a form of labelled fields, and
its texts set again when the language changes."""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget, QWizardPage

PAGE_LOCATION, PAGE_SERVER, PAGE_BRANCH, PAGE_ADMIN, PAGE_DEMO, PAGE_EXISTING, PAGE_ANALYST = range(7)


def labelled_form(labels: list[QLabel], fields: list[QWidget]) -> QFormLayout:
    form = QFormLayout()
    for label, field in zip(labels, fields, strict=True):
        label.setBuddy(field)
        form.addRow(label, field)
    return form


def tab_chain(widgets: list[QWidget]) -> None:
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


class Page(QWizardPage):
    """A wizard page whose texts the wizard sets again when the language changes."""

    def retranslate_ui(self) -> None:
        raise NotImplementedError
