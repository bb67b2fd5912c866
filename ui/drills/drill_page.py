"""The drill page of practice mode: choose a scenario, play it step by step, read the debrief; then another.
Every call goes to the drill services on the practice database, off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.drill import Debrief
from desk_app.domain.drill_scenario import Scenario
from desk_app.domain.enums import PsychType
from desk_app.errors import UserError
from desk_app.services import drills
from desk_app.services.drills import DrillState
from ui.drills.debrief_view import DebriefView
from ui.drills.drill_run import DrillRun
from ui.drills.scenario_picker import ScenarioPicker
from ui.errors import show_error
from ui.tasks import run_call


class DrillPage(QWidget):
    """``sig_debrief`` tells that a drill was finished (its debrief is shown)."""

    sig_debrief = Signal(object)

    def __init__(self, db: Database, trainee: Actor, scenarios: tuple[Scenario, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillPage")
        self.db, self.trainee = db, trainee
        self.scenarios = {s.key: s for s in scenarios}
        self.pending = False
        self.stack = QStackedWidget(self)
        self.picker = ScenarioPicker(scenarios, self.stack)
        self.run = DrillRun(self.stack)
        self.debrief = DebriefView(self.stack)
        for widget in (self.picker, self.run, self.debrief):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.picker.sig_start.connect(self.start)
        self.run.sig_play.connect(self.play)
        self.run.sig_finish.connect(self.finish)
        self.debrief.sig_again.connect(self.choose)
        self.refresh_history()

    def refresh_history(self) -> None:
        db, trainee = self.db, self.trainee
        run_call(self, lambda: drills.drill_history(db, trainee), self.picker.show_history)

    def choose(self) -> None:
        self.stack.setCurrentWidget(self.picker)
        self.picker.table.setFocus()

    def _call_failed(self, exc: BaseException) -> None:
        self.pending = False
        if isinstance(exc, UserError):
            self.run.failed(str(exc))
            return
        show_error(self, exc)

    def start(self, key: str) -> None:
        if self.pending:
            return
        self.pending = True
        db, trainee = self.db, self.trainee
        run_call(self, lambda: drills.start_drill(db, trainee, key), self._started, self._start_failed)

    def _start_failed(self, exc: BaseException) -> None:
        self.pending = False
        show_error(self, exc)

    def _started(self, state: DrillState) -> None:
        self.pending = False
        self.stack.setCurrentWidget(self.run)
        self.run.begin(self.scenarios[state.scenario_key], state)

    def play(self, moves: list[str]) -> None:
        state = self.run.state
        if state is None or self.pending:
            return
        self.pending = True
        db, trainee, drill_id = self.db, self.trainee, state.drill_id
        run_call(self, lambda: drills.play_step(db, trainee, drill_id, moves), self._played, self._call_failed)

    def _played(self, state: DrillState) -> None:
        self.pending = False
        self.run.show_state(state)

    def finish(self, type_guess: PsychType | None, demand_guess: str | None) -> None:
        state = self.run.state
        if state is None or self.pending:
            return
        self.pending = True
        db, trainee, drill_id = self.db, self.trainee, state.drill_id
        run_call(self, lambda: drills.finish_drill(db, trainee, drill_id, type_guess, demand_guess),
                 self._finished, self._call_failed)

    def _finished(self, result: Debrief) -> None:
        self.pending = False
        self.run.busy = False
        self.stack.setCurrentWidget(self.debrief)
        self.debrief.show_debrief(self.scenarios[result.scenario_key], result)
        self.refresh_history()
        self.sig_debrief.emit(result)
