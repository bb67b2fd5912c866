"""One drill being played: the scripted customer (persona, complaint, what they say at this step and how they
reacted to the last one), a mood indicator, the moves offered at this step (checklist items and pitfalls,
ticked with Space), the trainee's judgement (type and real demand), and Next step / Finish (Ctrl+Return)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.drill import MOOD_MAX, MOOD_MIN
from desk_app.domain.drill_moves import offered_moves
from desk_app.domain.drill_scenario import STAGES, Scenario
from desk_app.domain.enums import PsychType, Stage
from desk_app.domain.portrait import DIMENSIONS, Dimension
from desk_app.i18n import _
from desk_app.services.drills import DrillState
from ui.dialogs.common import InlineError
from ui.i18n import Retranslating

STAGE_MARKS = {"listen": "听", "investigate": "查", "deliberate": "议", "analyse": "析", "negotiate": "谈",
               "act": "行"}


def _wrapping(parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class DrillRun(Retranslating, QWidget):
    """``sig_play`` carries the move keys ticked at the current step; ``sig_finish`` the type guessed (or None)
    and the demand key guessed (or None)."""

    sig_play = Signal(list)
    sig_finish = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillRun")
        self.scenario: Scenario | None = None
        self.state: DrillState | None = None
        self.busy = False
        self._stage_shown: Stage | None = None

        self.customer_box = QGroupBox(self)
        # the customer's texts scroll inside the box on a small screen (150 % scaling) instead of being cut
        self.customer_scroll = QScrollArea(self.customer_box)
        self.customer_scroll.setWidgetResizable(True)
        self.customer_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.customer_texts = QWidget(self.customer_scroll)
        self.persona = _wrapping(self.customer_box, "drillPersona")
        self.complaint = _wrapping(self.customer_box, "drillComplaint")
        self.step_label = QLabel(self.customer_box)
        self.step_label.setObjectName("drillStep")
        font = self.step_label.font()
        font.setBold(True)
        self.step_label.setFont(font)
        self.statement = _wrapping(self.customer_box, "drillStatement")
        big = self.statement.font()
        big.setPointSizeF(big.pointSizeF() * 1.15)
        self.statement.setFont(big)
        self.reaction = _wrapping(self.customer_box, "drillReaction")
        self.mood_label = _wrapping(self.customer_box, "drillMoodText")
        self.mood = QProgressBar(self.customer_box)
        self.mood.setObjectName("drillMood")
        self.mood.setRange(MOOD_MIN, MOOD_MAX)
        self.mood.setTextVisible(True)
        left = QVBoxLayout(self.customer_texts)
        for widget in (self.persona, self.complaint, self.step_label, self.statement, self.reaction,
                       self.mood_label, self.mood):
            left.addWidget(widget)
        left.addStretch(1)
        self.customer_scroll.setWidget(self.customer_texts)
        QVBoxLayout(self.customer_box).addWidget(self.customer_scroll)

        self.moves_label = QLabel(self)
        self.moves = QListWidget(self)
        self.moves.setObjectName("drillMoves")
        self.moves.setWordWrap(True)
        self.moves_label.setBuddy(self.moves)
        self.judgement = QGroupBox(self)
        self.type_guess = QComboBox(self.judgement)
        self.type_guess.setObjectName("drillTypeGuess")
        self.demand_guess = QComboBox(self.judgement)
        self.demand_guess.setObjectName("drillDemandGuess")
        self.type_label = QLabel(self.judgement)
        self.type_label.setBuddy(self.type_guess)
        self.demand_label = QLabel(self.judgement)
        self.demand_label.setBuddy(self.demand_guess)
        form = QFormLayout(self.judgement)
        form.addRow(self.type_label, self.type_guess)
        form.addRow(self.demand_label, self.demand_guess)
        self.error = InlineError(self)
        self.next_button = QPushButton(self)
        self.next_button.setObjectName("drillNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.go_on)
        self.next_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        self.next_shortcut.activated.connect(self.go_on)
        right = QVBoxLayout()
        right.addWidget(self.moves_label)
        right.addWidget(self.moves, 1)
        right.addWidget(self.judgement)
        right.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.customer_box, 1)
        layout.addLayout(right, 1)
        self.setTabOrder(self.moves, self.type_guess)
        self.setTabOrder(self.type_guess, self.demand_guess)
        self.setTabOrder(self.demand_guess, self.next_button)
        self.retranslate_ui()

    # -- showing -----------------------------------------------------------------------------------
    def begin(self, scenario: Scenario, state: DrillState) -> None:
        self.scenario = scenario
        self._stage_shown = None
        self.type_guess.setCurrentIndex(-1)
        self.demand_guess.setCurrentIndex(-1)
        self.show_state(state)

    def show_state(self, state: DrillState) -> None:
        self.state = state
        self.busy = False
        self.error.clear()
        self.retranslate_ui()
        target = self.moves if state.next_stage is not None else self.type_guess
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def retranslate_ui(self) -> None:
        self.customer_box.setTitle(_("The customer"))
        self.moves_label.setText(_("&Moves at this step (Space ticks one):"))
        self.judgement.setTitle(_("Your judgement"))
        self.type_label.setText(_("Psychological t&ype:"))
        self.demand_label.setText(_("Real &demand:"))
        self._fill_guesses()
        scenario, state = self.scenario, self.state
        if scenario is None or state is None:
            return
        self.persona.setText(_("{name}: {description}").format(name=scenario.persona.name,
                                                               description=scenario.persona.description.text()))
        self.complaint.setText(_("Complaint: {complaint}\nAsks for: {demand}").format(
            complaint=scenario.complaint.text(), demand=scenario.stated_demand.text()))
        if state.last is None:
            self.reaction.setText("")
        else:
            self.reaction.setText(_("The customer's reaction: {reaction}").format(
                reaction=" ".join(r.text() for r in state.last.reactions)))
        level = DIMENSIONS[Dimension.EMOTION].level(state.mood).text()
        self.mood.setValue(state.mood)
        self.mood.setFormat(_("Mood {value} of {max}").format(value=state.mood, max=MOOD_MAX))
        self.mood_label.setText(_("The customer's mood: {level}").format(level=level))
        self.mood.setAccessibleName(_("The customer's mood: {value} of {max}, {level}").format(
            value=state.mood, max=MOOD_MAX, level=level))
        stage = state.next_stage
        if stage is None:
            self.step_label.setText(_("All six steps played"))
            self.statement.setText(_("Give your judgement of the type and the real demand, then finish."))
            self.next_button.setText(_("&Finish and see the debrief"))
            self.moves.clear()
            self.moves.setEnabled(False)
            self._stage_shown = None
            return
        position = STAGES.index(stage) + 1
        mark = STAGE_MARKS[stage.value]
        name = stage.label if stage.label == mark else f"{stage.label} ({mark})"  # 听, or Listen (听)
        self.step_label.setText(_("Step {n} of 6: {stage}").format(n=position, stage=name))
        self.statement.setText(_("The customer says: {statement}").format(
            statement=scenario.step(stage).statement.text()))
        self.next_button.setText(_("&Next step"))
        self._fill_moves(scenario, stage)

    def _fill_guesses(self) -> None:
        kept_type, kept_demand = self.type_guess.currentData(), self.demand_guess.currentData()
        self.type_guess.clear()
        for psych_type in PsychType:
            self.type_guess.addItem(psych_type.label, psych_type)
        self.demand_guess.clear()
        if self.scenario is not None:
            for option in sorted(self.scenario.demands, key=lambda d: d.key):
                self.demand_guess.addItem(option.text.text(), option.key)
        self.type_guess.setCurrentIndex(self.type_guess.findData(kept_type) if kept_type is not None else -1)
        self.demand_guess.setCurrentIndex(self.demand_guess.findData(kept_demand) if kept_demand else -1)

    def _fill_moves(self, scenario: Scenario, stage: Stage) -> None:
        """The moves offered at ``stage``; ticks are kept when the same step is shown again (a language switch)."""
        ticked = set(self.ticked()) if self._stage_shown is stage else set()
        row = self.moves.currentRow() if self._stage_shown is stage else 0
        self._stage_shown = stage
        self.moves.setEnabled(True)
        self.moves.clear()
        for move in sorted(offered_moves(scenario, stage).values(), key=lambda m: m.sort_order):
            item = QListWidgetItem(_("{move} — {group}").format(move=move.title.text(), group=move.group.text()))
            item.setData(Qt.ItemDataRole.UserRole, move.key)
            item.setToolTip(move.guidance.text())
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if move.key in ticked else Qt.CheckState.Unchecked)
            self.moves.addItem(item)
        self.moves.setCurrentRow(max(0, row))

    def ticked(self) -> list[str]:
        return [str(self.moves.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.moves.count())
                if self.moves.item(i).checkState() == Qt.CheckState.Checked]

    # -- acting ------------------------------------------------------------------------------------
    def go_on(self) -> None:
        if self.busy or self.state is None or not self.isVisible():
            return
        if self.state.next_stage is not None:
            self.busy = True
            self.sig_play.emit(self.ticked())
            return
        self.busy = True
        psych_type = self.type_guess.currentData()  # Qt hands the enum value back as plain text
        self.sig_finish.emit(PsychType(psych_type) if psych_type else None, self.demand_guess.currentData())

    def failed(self, message: str) -> None:
        self.busy = False
        self.error.show_message(message)
