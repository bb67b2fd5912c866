"""Practice mode with key events only (every key into the focused widget): File ▸ Practice mode opens the
practice window on its own database (title and banner say so), a scenario is chosen by its filters, its six
steps are played by ticking the script's calming moves with Space, the type and real demand are judged, and
the debrief shows the best score, worked out here from the scenario file. The real database is unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_steps import PASSWORD, context, set_up_branch, settle
from grumble_steps import clerk_window
from keyboard import ALT, CTRL, choose, focus_widget, key, mnemonic
from mnemonics import problems
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot
from remote_support import activate
from server_support import LiveServer
from sqlalchemy import func, select

from desk_app.db.engine import make_engine
from desk_app.db.models import PracticeDrill
from desk_app.db.uow import Database
from desk_app.domain.drill_scenario import STAGES, Effect, scenario_by_key
from desk_app.domain.enums import PsychType, SpecialFlag
from desk_app.i18n import _
from desk_app.services import practice
from tests.db_digest import database_digest
from ui.accessibility import audit
from ui.drills.practice_window import PracticeWindow
from ui.main_window import MainWindow

SCENARIO = "insurer_surrender_compensation_litigation"


@pytest.fixture
def window(qtbot: QtBot, gui_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("practice mode opens its own SQLite file whatever the real database is")
    monkeypatch.setattr(practice, "practice_database_path", lambda: tmp_path / "practice" / "practice.sqlite3")
    (tmp_path / "practice").mkdir()
    yield clerk_window(qtbot, gui_db)
    settle()


def _open_practice(qtbot: QtBot, main: MainWindow) -> PracticeWindow:
    qtbot.keyClick(main, Qt.Key.Key_F, ALT)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
    menu = QApplication.activePopupWidget()
    assert menu is main.file_menu
    qtbot.keyClick(menu, Qt.Key.Key_R)  # P&ractice mode
    qtbot.waitUntil(lambda: any(isinstance(w, PracticeWindow) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=20_000)
    practice_window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, PracticeWindow))
    qtbot.waitExposed(practice_window)
    activate(practice_window)
    return practice_window


def test_a_drill_played_with_keys_on_the_practice_database(qtbot: QtBot, window: MainWindow, gui_db: Database,
                                                           tmp_path: Path) -> None:
    real_before = database_digest(gui_db)
    practice_window = _open_practice(qtbot, window)
    assert practice_window.windowTitle().startswith("[PRACTICE]")
    assert "practice database" in practice_window.windowTitle()
    assert window.windowTitle() != practice_window.windowTitle()
    assert practice_window.banner.isVisible() and "PRACTICE MODE" in practice_window.banner.text()
    assert str(tmp_path / "practice" / "practice.sqlite3") in practice_window.banner.text()
    geometry = practice_window.frameGeometry()
    assert geometry.width() <= 1366 and geometry.height() <= 768, geometry
    assert problems(practice_window) == []

    page = practice_window.page
    picker = page.picker
    assert focus_widget() is picker.table
    mnemonic(qtbot, "k")
    choose(qtbot, picker.kind_filter, SpecialFlag.LITIGATION)
    mnemonic(qtbot, "t")
    choose(qtbot, picker.type_filter, PsychType.COMPENSATION)
    assert [s.key for s in picker.shown] == [SCENARIO]
    mnemonic(qtbot, "o")
    assert focus_widget() is picker.table
    key(qtbot, Qt.Key.Key_Return)
    run = page.run
    qtbot.waitUntil(lambda: page.stack.currentWidget() is run and focus_widget() is run.moves, timeout=15_000)
    assert problems(practice_window) == [] and audit(practice_window) == []

    scenario = scenario_by_key(SCENARIO)
    calm_total = 0
    for stage in STAGES:
        assert run.state is not None and run.state.next_stage is stage
        assert scenario.step(stage).statement.text() in run.statement.text()
        wanted = {m.move for m in scenario.step(stage).moves if m.effect is Effect.CALM}
        calm_total += len(wanted)
        for row in range(run.moves.count()):  # walk the list with Down, Space on each calming move
            if run.moves.item(row).data(Qt.ItemDataRole.UserRole) in wanted:
                key(qtbot, Qt.Key.Key_Space)
            key(qtbot, Qt.Key.Key_Down)
        assert set(run.ticked()) == wanted
        key(qtbot, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda stage=stage: run.state is not None and run.state.next_stage is not stage
                        and not page.pending, timeout=15_000)
        reactions = {m.reaction.text() for m in scenario.step(stage).moves if m.effect is Effect.CALM}
        assert all(r in run.reaction.text() for r in reactions)
    assert run.mood.value() == 1 and focus_widget() is run.type_guess

    choose(qtbot, run.type_guess, PsychType.COMPENSATION)
    mnemonic(qtbot, "d")
    choose(qtbot, run.demand_guess, scenario.real_demand.key)
    with qtbot.waitSignal(page.sig_debrief, timeout=15_000) as finished:
        key(qtbot, Qt.Key.Key_Return, CTRL)
    expected = calm_total + 2 + 2  # every calming move, the type and the demand: the best score
    assert finished.args[0].score == expected
    assert page.debrief.score.text() == f"Score: {expected} of {expected}"
    assert page.debrief.steps.rowCount() == 6
    assert problems(practice_window) == [] and audit(practice_window) == []
    mnemonic(qtbot, "a")  # &Another drill: back to the list, which now shows the finished drill
    qtbot.waitUntil(lambda: page.stack.currentWidget() is picker and picker.history.rowCount() == 1, timeout=15_000)
    assert picker.history.item(0, 1).text() == f"{expected} of {expected}"
    assert picker.history.item(0, 2).text() == scenario.title.text()
    assert focus_widget() is picker.table and problems(practice_window) == []
    assert audit(practice_window) == []

    key(qtbot, Qt.Key.Key_W, CTRL)  # P&ractice ▸ Close
    qtbot.waitUntil(lambda: not practice_window.isVisible(), timeout=15_000)
    settle()
    assert database_digest(gui_db) == real_before  # the drill wrote nothing into the real database
    stored = Database(make_engine(f"sqlite:///{tmp_path / 'practice' / 'practice.sqlite3'}"))
    try:
        with stored.unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(PracticeDrill)) == 1
            assert session.scalar(select(PracticeDrill.score)) == expected
    finally:
        stored.dispose()


def test_desk_app_practice_opens_practice_mode_alone(qapp: QApplication, qtbot: QtBot, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``desk-app --practice``: the practice window on the practice file, and no real database is opened (the
    configured one, here the default local file, is never made)."""
    from desk_app.paths import default_database_path
    from ui import app as app_module

    monkeypatch.setattr(practice, "practice_database_path", lambda: tmp_path / "practice.sqlite3")
    seen: list[str] = []

    def fake_exec() -> int:  # instead of the event loop: look at the window, close it by its key
        practice_window = next(w for w in QApplication.topLevelWidgets()
                               if isinstance(w, PracticeWindow) and w.isVisible())
        qtbot.waitExposed(practice_window)
        activate(practice_window)
        # the marked title, in the language the app started in (Chinese unless a saved setting says otherwise)
        seen.append(practice_window.windowTitle())
        seen.append(_("[PRACTICE] Complaint Desk — practice database"))
        assert practice_window.page.picker.table.rowCount() == 12
        key(qtbot, Qt.Key.Key_W, CTRL)
        qtbot.waitUntil(lambda: not practice_window.isVisible(), timeout=15_000)
        return 0

    monkeypatch.setattr(qapp, "exec", fake_exec)
    assert app_module.main(["--practice"]) == 0
    assert len(seen) == 2 and seen[0] == seen[1]
    assert seen[0] in ("[练习] 投诉服务台 — 练习数据库", "[PRACTICE] Complaint Desk — practice database")
    assert (tmp_path / "practice.sqlite3").exists()
    assert not default_database_path().exists()


def test_practice_on_a_desk_server_counter_pc_stays_on_this_pc(qtbot: QtBot, server: LiveServer, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The real database is a desk server's (SQLite or PostgreSQL behind it): practice still runs on this PC's
    practice file, and the server's database is unchanged by a whole drill."""
    monkeypatch.setattr(practice, "practice_database_path", lambda: tmp_path / "practice.sqlite3")
    set_up_branch(server.db)
    backend = server.backend()
    try:
        main = MainWindow(context(backend), backend.sign_in("clerk", PASSWORD))
        qtbot.addWidget(main)
        main.show()
        qtbot.waitExposed(main)
        activate(main)
        settle()
        before = database_digest(server.db, except_tables=("api_sessions", "audit_log"))
        practice_window = _open_practice(qtbot, main)
        page = practice_window.page
        assert str(tmp_path / "practice.sqlite3") in practice_window.banner.text()
        key(qtbot, Qt.Key.Key_Return)  # the first scenario
        qtbot.waitUntil(lambda: page.stack.currentWidget() is page.run and not page.pending, timeout=15_000)
        for _stage in STAGES:  # nothing ticked: the customer is left unmoved at every step
            key(qtbot, Qt.Key.Key_Return, CTRL)
            qtbot.waitUntil(lambda: not page.pending, timeout=15_000)
        with qtbot.waitSignal(page.sig_debrief, timeout=15_000) as finished:
            key(qtbot, Qt.Key.Key_Return, CTRL)
        assert finished.args[0].score == 0 and finished.args[0].final_mood == finished.args[0].start_mood
        key(qtbot, Qt.Key.Key_W, CTRL)
        qtbot.waitUntil(lambda: not practice_window.isVisible(), timeout=15_000)
        settle()
        assert database_digest(server.db, except_tables=("api_sessions", "audit_log")) == before
        with server.db.unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(PracticeDrill)) == 0
        stored = Database(make_engine(f"sqlite:///{tmp_path / 'practice.sqlite3'}"))
        try:
            with stored.unit_of_work() as session:
                assert session.scalar(select(func.count()).select_from(PracticeDrill)) == 1
        finally:
            stored.dispose()
        main.close()
    finally:
        settle()
        backend.close()


def test_the_practice_window_follows_a_language_switch(qtbot: QtBot, tmp_path: Path, language_support: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.drills.practice_window import open_practice_window
    from ui.i18n import switch_language

    monkeypatch.setattr(practice, "practice_database_path", lambda: tmp_path / "practice.sqlite3")
    practice_window = open_practice_window(None, practice.practice_trainee("学员甲"))
    qtbot.addWidget(practice_window)
    qtbot.waitExposed(practice_window)
    activate(practice_window)
    page = practice_window.page
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.run and not page.pending, timeout=15_000)
    run = page.run
    key(qtbot, Qt.Key.Key_Space)  # the first move ticked, then the language changes
    ticked = run.ticked()
    assert len(ticked) == 1 and run.step_label.text() == "Step 1 of 6: Listen (听)"
    try:
        switch_language("zh_CN")
        assert run.step_label.text() == "第 1 步（共 6 步）：听"  # the step shown by its Chinese name
        assert run.ticked() == ticked  # the same step shown again keeps what was ticked
        first = run.moves.item(0).text()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first)
    finally:
        switch_language("en")
    assert run.step_label.text() == "Step 1 of 6: Listen (听)"
    practice_window.close()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_practice_window_fits_the_screen_at_100_and_150_percent(qtbot: QtBot, tmp_path: Path, language: str,
                                                                     language_support: object,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.drills.practice_window import open_practice_window
    from ui.i18n import switch_language
    from ui.screen_fit import fit_problems, logical_screen

    monkeypatch.setattr(practice, "practice_database_path", lambda: tmp_path / "practice.sqlite3")
    switch_language(language)
    practice_window = open_practice_window(None, practice.practice_trainee("学员甲"))
    qtbot.addWidget(practice_window)
    qtbot.waitExposed(practice_window)
    page = practice_window.page
    found: list[str] = []

    def check(name: str) -> None:
        for scale in (1.0, 1.5):
            size = logical_screen(scale)
            practice_window.resize(*size)
            qtbot.wait(50)
            found.extend(f"{scale}× {name}: {p}" for p in fit_problems(practice_window, page.stack, size))

    try:
        check("scenarios")
        page.picker.start()
        qtbot.waitUntil(lambda: page.stack.currentWidget() is page.run and not page.pending, timeout=15_000)
        check("step 1")
        for _stage in STAGES:
            page.run.go_on()
            qtbot.waitUntil(lambda: not page.pending, timeout=15_000)
        check("after six steps")
        with qtbot.waitSignal(page.sig_debrief, timeout=15_000):
            page.run.go_on()
        check("debrief")
    finally:
        switch_language("en")
        practice_window.close()
    assert found == [], "\n".join(found)
