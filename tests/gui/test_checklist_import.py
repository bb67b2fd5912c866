"""The HQ import dialog: pick a file, see the validation result, import only a valid newer version."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import SetUp, local_db
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.checklist import bundled_checklists_dir
from desk_app.domain.risk import default_word_list_path
from desk_app.services import checklists, risk_signals
from desk_app.services.checklists import ChecklistImport
from ui.checklists import import_dialog
from ui.checklists.import_dialog import GuidanceImportDialog
from ui.context import AppContext


@pytest.fixture
def dialog(set_up: SetUp, qtbot: QtBot) -> GuidanceImportDialog:
    with set_up.db.unit_of_work() as session:
        checklists.seed_checklists(session)
        risk_signals.seed_word_lists(session)
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    widget = GuidanceImportDialog(ctx, set_up.admin)
    qtbot.addWidget(widget)
    return widget


def pick(monkeypatch: pytest.MonkeyPatch, dialog: GuidanceImportDialog, path: Path) -> None:
    monkeypatch.setattr(import_dialog, "choose_file", lambda _parent: path)
    dialog.choose_button.click()


def test_a_valid_newer_checklist_is_checked_then_imported(dialog: GuidanceImportDialog, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Five steps of strategic empathy (strategic_empathy): version 1" in dialog.loaded.toPlainText()
    assert "Word list risk_signals: version 2" in dialog.loaded.toPlainText()
    source = (bundled_checklists_dir() / "hamburger.toml").read_text(encoding="utf-8")
    path = tmp_path / "hamburger.toml"
    path.write_text(source.replace("version = 1", "version = 2"), encoding="utf-8")
    pick(monkeypatch, dialog, path)
    assert dialog.checklist_radio.isChecked() and dialog.import_button.isEnabled()
    assert dialog.result_label.text().startswith("The file is valid. Checklist “Hamburger rule")
    assert "version 2 (replaces version 1): 3 steps" in dialog.result_label.text()
    imported: list[object] = []
    dialog.sig_imported.connect(imported.append)
    dialog.import_button.click()
    assert len(imported) == 1 and isinstance(imported[0], ChecklistImport) and imported[0].version == 2
    assert dialog.result_label.text().startswith("Imported.") and not dialog.import_button.isEnabled()
    assert "Hamburger rule (refusals and bad news) (hamburger): version 2" in dialog.loaded.toPlainText()


def test_a_bad_file_shows_the_precise_error_and_changes_nothing(dialog: GuidanceImportDialog, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    words = default_word_list_path().read_text(encoding="utf-8")
    path = tmp_path / "risk_signals.toml"
    path.write_text(words.replace("version = 2", "version = 3").replace('flag = "media"', 'flag = "press"'),
                    encoding="utf-8")
    pick(monkeypatch, dialog, path)
    assert dialog.word_list_radio.isChecked()
    assert not dialog.import_button.isEnabled() and dialog.result_label.isHidden()
    assert "risk_signals.toml: [kinds.media] (line" in dialog.error.text()
    assert "flag press is not a special-complaint flag" in dialog.error.text()
    same = tmp_path / "same.toml"
    same.write_text(words, encoding="utf-8")
    pick(monkeypatch, dialog, same)
    assert "version 2 is not newer than the loaded version 2" in dialog.error.text()
    assert risk_signals.word_list_versions(local_db(dialog.ctx))["risk_signals"] == 2
