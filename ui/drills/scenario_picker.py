"""Choosing a practice scenario: filters by psychological type and special kind, the list of scenarios (the
type itself is not a column: finding it is part of the drill), and Start (Enter in the list starts too)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.drill_scenario import Scenario
from desk_app.domain.enums import PsychType, SpecialFlag
from desk_app.i18n import _
from desk_app.services.drills import DrillRecord, filter_scenarios
from ui.i18n import Retranslating
from ui.tables import readonly_table

ORDINARY = "ordinary"


class _ScenarioTable(QTableWidget):
    """Enter or Return on a row starts that scenario."""

    sig_chosen = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.sig_chosen.emit()
            return
        super().keyPressEvent(event)


class ScenarioPicker(Retranslating, QWidget):
    """``sig_start`` carries the key of the scenario to play."""

    sig_start = Signal(str)

    def __init__(self, scenarios: tuple[Scenario, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioPicker")
        self.scenarios = scenarios
        self.shown: list[Scenario] = []
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.type_filter = QComboBox(self)
        self.type_filter.setObjectName("drillTypeFilter")
        self.kind_filter = QComboBox(self)
        self.kind_filter.setObjectName("drillKindFilter")
        self.type_label = QLabel(self)
        self.type_label.setBuddy(self.type_filter)
        self.kind_label = QLabel(self)
        self.kind_label.setBuddy(self.kind_filter)
        self.table_label = QLabel(self)
        self.table = readonly_table(_ScenarioTable(0, 3, self), wrap=True)
        self.table.setObjectName("drillScenarios")
        self.table_label.setBuddy(self.table)
        self.start_button = QPushButton(self)
        self.start_button.setObjectName("startDrill")
        self.start_button.setDefault(True)
        self.history_label = QLabel(self)
        self.history = readonly_table(QTableWidget(0, 3, self))
        self.history.setObjectName("drillHistory")
        self.history.setMaximumHeight(150)
        self.history_label.setBuddy(self.history)
        self.records: list[DrillRecord] = []

        filters = QFormLayout()
        filters.addRow(self.type_label, self.type_filter)
        filters.addRow(self.kind_label, self.kind_filter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(filters)
        layout.addWidget(self.table_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history)
        self.setTabOrder(self.type_filter, self.kind_filter)
        self.setTabOrder(self.kind_filter, self.table)
        self.setTabOrder(self.table, self.start_button)
        self.setTabOrder(self.start_button, self.history)

        self.type_filter.currentIndexChanged.connect(self.refill)
        self.kind_filter.currentIndexChanged.connect(self.refill)
        self.table.sig_chosen.connect(self.start)
        self.start_button.clicked.connect(self.start)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.intro.setText(_("Pick a scripted customer and walk the six steps with the checklists. Judge the "
                             "customer's psychological type and real demand as you go; the debrief scores the "
                             "play against the script."))
        self.type_label.setText(_("Psychological &type:"))
        self.kind_label.setText(_("Special &kind:"))
        self.table_label.setText(_("Scenari&os:"))
        self.start_button.setText(_("&Start the drill"))
        self.table.setHorizontalHeaderLabels([_("Scenario"), _("Institution"), _("Special kind")])
        self.history_label.setText(_("Your finished &drills:"))
        self.history.setHorizontalHeaderLabels([_("Finished"), _("Score"), _("Scenario")])
        self._fill_filters()
        self.refill()
        self.show_history(self.records)

    def _fill_filters(self) -> None:
        type_value, kind_value = self.type_filter.currentData(), self.kind_filter.currentData()
        for combo in (self.type_filter, self.kind_filter):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(_("All"), None)
        for psych_type in PsychType:
            self.type_filter.addItem(psych_type.label, psych_type)
        self.kind_filter.addItem(_("Ordinary (no special kind)"), ORDINARY)
        for flag in SpecialFlag:
            self.kind_filter.addItem(flag.label, flag)
        for combo, value in ((self.type_filter, type_value), (self.kind_filter, kind_value)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)

    def refill(self) -> None:
        # Qt hands the enum values back as plain text
        kind, psych_type = self.kind_filter.currentData(), self.type_filter.currentData()
        self.shown = filter_scenarios(self.scenarios, PsychType(psych_type) if psych_type else None,
                                      SpecialFlag(kind) if kind and kind != ORDINARY else None,
                                      ordinary_only=kind == ORDINARY)
        self.table.setRowCount(len(self.shown))
        for row, scenario in enumerate(self.shown):
            kinds = "、".join(f.label for f in scenario.flags) or _("Ordinary")
            for column, text in enumerate((scenario.title.text(), scenario.institution.label, kinds)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self.shown:
            self.table.setCurrentCell(0, 0)
        self.start_button.setEnabled(bool(self.shown))

    def show_history(self, records: list[DrillRecord]) -> None:
        """The trainee's finished drills, newest first (local time)."""
        self.records = records
        titles = {s.key: s.title.text() for s in self.scenarios}
        self.history.setRowCount(len(records))
        for row, record in enumerate(records):
            when = record.finished_at.astimezone().strftime("%Y-%m-%d %H:%M")
            score = _("{score} of {max}").format(score=record.score, max=record.max_score)
            for column, text in enumerate((when, score, titles.get(record.scenario_key, record.scenario_key))):
                self.history.setItem(row, column, QTableWidgetItem(text))

    def current(self) -> Scenario | None:
        row = self.table.currentRow()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def start(self) -> None:
        scenario = self.current()
        if scenario is not None:
            self.sig_start.emit(scenario.key)
