"""The batch dialog: today's letters for the branch, saved or printed in one go behind a progress dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desk_app.db.models import Branch
from desk_app.services import letters
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import CustomerDraft
from tests.support.letter_printing import letter_counter, pdf_pages, pdf_printer
from tests.support.staff import draft
from ui.letters import batch_dialog
from ui.letters.batch_dialog import BatchLettersDialog


def _dialog(qtbot: QtBot, set_up: SetUp, cases: int = 3) -> tuple[BatchLettersDialog, list[str]]:
    counter = letter_counter(set_up.db, set_up.admin)
    numbers = []
    for i in range(cases):
        case = register_complaint(set_up.db, counter.clerk, draft(
            customer=CustomerDraft(name=f"客户{i}", id_type=None, phone=f"1381234{i:04d}")))
        numbers.append(case.case_number)
    dialog = BatchLettersDialog(counter.ctx, counter.clerk)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    return dialog, numbers


def test_lists_the_receipts_owed_today(qtbot: QtBot, set_up: SetUp) -> None:
    dialog, numbers = _dialog(qtbot, set_up)
    assert dialog.table.rowCount() == 3
    assert sorted(dialog.table.item(r, 1).text() for r in range(3)) == sorted(numbers)
    assert {dialog.table.item(r, 0).text() for r in range(3)} == {"Acknowledgement receipt"}
    assert all(dialog.table.item(r, 3).text() == "(to issue)" for r in range(3))
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()


def test_save_all_issues_and_writes_the_ticked_letters(qtbot: QtBot, set_up: SetUp, tmp_path: Path,
                                                       message_boxes: list[Shown]) -> None:
    dialog, _numbers = _dialog(qtbot, set_up)
    dialog.table.item(2, 0).setCheckState(Qt.CheckState.Unchecked)
    dialog.folder_edit.setText(str(tmp_path / "out"))
    dialog.save_button.click()
    result = dialog.last_result
    assert result is not None and len(result.files) == 2 and len(result.issued) == 2 and not result.skipped
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(i.file_name for i in result.issued)
    assert message_boxes[-1].text.startswith(f"2 letters saved to {tmp_path / 'out'}.")
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=10_000)
    # the two issued letters stay on the list (not yet delivered); the third is still owed
    issued = sorted(dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount()))
    assert issued == sorted([*(i.number for i in result.issued), "(to issue)"])


def test_print_all_sends_one_job(qtbot: QtBot, set_up: SetUp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 message_boxes: list[Shown]) -> None:
    dialog, _numbers = _dialog(qtbot, set_up, cases=2)
    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(batch_dialog, "letter_printer", lambda: pdf_printer(out))
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: int(QDialog.DialogCode.Accepted.value))
    dialog.print_button.click()
    assert pdf_pages(out)[0] == 2  # two one-page receipts, one print job
    assert message_boxes[-1].text == "2 letters sent to the printer (2 pages).\n2 letters were issued."


def test_a_letter_that_cannot_be_issued_is_reported_not_fatal(qtbot: QtBot, set_up: SetUp, tmp_path: Path,
                                                              message_boxes: list[Shown]) -> None:
    dialog, _numbers = _dialog(qtbot, set_up, cases=2)
    # the branch's hotline is removed after the list was loaded: no receipt can say how to follow up
    with local_db(dialog.ctx).unit_of_work() as session:
        session.execute(update(Branch).values(hotline=""))
    dialog.folder_edit.setText(str(tmp_path))
    dialog.save_button.click()
    result = dialog.last_result
    assert result is not None and len(result.skipped) == 2 and not result.files
    assert message_boxes[-1].informative == "2 could not be done; see the details."
    assert "telephone number for follow-up" in message_boxes[-1].details
    assert letters.list_letters(local_db(dialog.ctx), dialog.actor, dialog.due[0].complaint_id) == []
