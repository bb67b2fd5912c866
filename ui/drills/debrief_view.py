"""The debrief of a finished drill: the score against the script, the type and the real demand (found or
not), the portrait revealed, the mood from start to end, and per step what calmed, what was missed, what
inflamed and the lesson."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.drill import Debrief
from desk_app.domain.drill_scenario import Scenario
from desk_app.domain.portrait import DIMENSIONS
from desk_app.i18n import _
from ui.i18n import Retranslating
from ui.tables import readonly_table


class DebriefView(Retranslating, QWidget):
    sig_again = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillDebrief")
        self.result: Debrief | None = None
        self.scenario: Scenario | None = None
        self.score = QLabel(self)
        self.score.setObjectName("drillScore")
        font = self.score.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.score.setFont(font)
        self.summary = QLabel(self)
        self.summary.setObjectName("drillSummary")
        self.summary.setWordWrap(True)
        self.steps_label = QLabel(self)
        self.steps = readonly_table(QTableWidget(0, 3, self), wrap=True)
        self.steps.setObjectName("drillDebriefSteps")
        self.steps_label.setBuddy(self.steps)
        self.again_button = QPushButton(self)
        self.again_button.setObjectName("drillAgain")
        self.again_button.clicked.connect(self.sig_again.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.score)
        layout.addWidget(self.summary)
        layout.addWidget(self.steps_label)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)
        self.retranslate_ui()

    def show_debrief(self, scenario: Scenario, result: Debrief) -> None:
        self.scenario, self.result = scenario, result
        self.retranslate_ui()
        self.steps.setFocus()

    def retranslate_ui(self) -> None:
        self.steps_label.setText(_("&Steps:"))
        self.again_button.setText(_("&Another drill"))
        self.steps.setHorizontalHeaderLabels([_("Step"), _("Mood after"), _("Feedback")])
        result, scenario = self.result, self.scenario
        if result is None or scenario is None:
            return
        self.score.setText(_("Score: {score} of {max}").format(score=result.score, max=result.max_score))
        guess = result.type_guess.label if result.type_guess else _("(no guess)")
        type_line = (_("Psychological type found: {type}.").format(type=result.real_type.label) if result.type_found
                     else _("Psychological type missed: you said {guess}, it was {type}.").format(
                         guess=guess, type=result.real_type.label))
        demand_line = (_("Real demand found: {demand}.") if result.demand_found
                       else _("Real demand missed; it was: {demand}.")).format(demand=result.real_demand.text())
        portrait = "；".join(f"{DIMENSIONS[d].name.text()} {level}" for d, level in scenario.persona.portrait.items())
        self.summary.setText("\n".join((
            type_line, demand_line,
            _("Mood: from {start} to {end} (1 calm … 5 out of control).").format(start=result.start_mood,
                                                                                end=result.final_mood),
            _("Portrait: {portrait}").format(portrait=portrait))))
        self.summary.setAccessibleName(self.summary.text())
        self.steps.setRowCount(len(result.steps))
        for row, step in enumerate(result.steps):
            for column, text in enumerate((step.stage.label, str(step.mood_after), step.text())):
                self.steps.setItem(row, column, QTableWidgetItem(text))
        self.steps.resizeRowsToContents()
        if result.steps:
            self.steps.setCurrentCell(0, 0)
