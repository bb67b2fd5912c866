"""Letter preview (QtPdf), printing, saving, and the receipt offered after intake."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from gui_support import SetUp, Shown
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from desk_app.documents.content import DecisionInputs, DeliveryMethod, compose
from desk_app.documents.render import render_letter
from desk_app.documents.templates import load_common, load_template
from desk_app.domain.enums import LetterKind
from desk_app.services import letters
from desk_app.services.complaints import register_complaint
from tests.documents.samples import DECISION, FACTS, ISSUED_AT, ISSUER, LETTER_DAY
from tests.support.letter_printing import letter_counter, pdf_pages, pdf_printer
from tests.support.staff import draft
from ui.letters import preview_dialog
from ui.letters.actions import offer_receipt
from ui.letters.preview_dialog import LetterPreviewDialog


def two_page_letter() -> bytes:
    content = compose(LetterKind.DECISION, DECISION, FACTS, ISSUER, load_template(LetterKind.DECISION), load_common(),
                      "zh_CN", ISSUED_AT, LETTER_DAY)
    return render_letter(replace(content, number="SH01-JD-2026-0042"))


def test_preview_shows_every_page_and_saves_the_exact_bytes(qtbot: QtBot, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = two_page_letter()
    assert pdf_pages(pdf)[0] == 2
    dialog = LetterPreviewDialog(pdf, "投诉处理决定书 SH01-JD-2026-0042", "SH01-JD-2026-0042.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.document.pageCount() == 2
    assert dialog.page_label.text() == "Page 1 of 2"
    assert dialog.windowTitle() == "投诉处理决定书 SH01-JD-2026-0042"
    assert dialog.handed_button.isHidden()  # a preview without an issued letter
    target = tmp_path / "saved"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kw: (str(target), "PDF files (*.pdf)"))
    dialog.save_button.click()
    assert dialog.saved_to == tmp_path / "saved.pdf"
    assert (tmp_path / "saved.pdf").read_bytes() == pdf


def test_print_sends_every_page_at_a4(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(preview_dialog, "letter_printer", lambda: pdf_printer(out))
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: int(QDialog.DialogCode.Accepted.value))
    dialog = LetterPreviewDialog(two_page_letter(), "letter", "letter.pdf")
    qtbot.addWidget(dialog)
    dialog.print_button.click()
    assert dialog.printed_pages == 2
    pages, size = pdf_pages(out)
    assert pages == 2 and size.startswith("595") and "842" in size  # A4 in points


def test_print_cancelled_in_the_dialog_prints_nothing(qtbot: QtBot, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(preview_dialog, "letter_printer", lambda: pdf_printer(out))
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: int(QDialog.DialogCode.Rejected.value))
    dialog = LetterPreviewDialog(two_page_letter(), "letter", "letter.pdf")
    qtbot.addWidget(dialog)
    dialog.print_button.click()
    assert dialog.printed_pages == 0 and not out.exists()


def test_receipt_offered_after_intake_is_issued_previewed_and_handed_over(qtbot: QtBot, set_up: SetUp) -> None:
    counter = letter_counter(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, counter.clerk, draft())
    dialog = offer_receipt(None, counter.ctx, counter.clerk, case.id, ask=False)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.letter is not None and dialog.letter.number.startswith("BJ01-SL-")
    assert dialog.document.pageCount() == 1
    issued = letters.list_letters(set_up.db, counter.clerk, case.id)
    assert [x.number for x in issued] == [dialog.letter.number]
    assert dialog.pdf == letters.reprint(set_up.db, counter.clerk, issued[0].id)
    assert dialog.handed_button.isVisible()
    dialog.handed_button.click()
    qtbot.waitUntil(lambda: dialog.handed_button.isHidden(), timeout=10_000)
    [after] = letters.list_letters(set_up.db, counter.clerk, case.id)
    assert after.delivery_method is DeliveryMethod.HANDED_OVER


def test_declining_the_receipt_issues_nothing(qtbot: QtBot, set_up: SetUp, message_boxes: list[Shown]) -> None:
    counter = letter_counter(set_up.db, set_up.admin)
    case = register_complaint(set_up.db, counter.clerk, draft())
    assert offer_receipt(None, counter.ctx, counter.clerk, case.id, case_number=case.case_number) is None
    assert message_boxes[-1].title == "Acknowledgement receipt"
    assert case.case_number in message_boxes[-1].text
    assert letters.list_letters(set_up.db, counter.clerk, case.id) == []


def test_a_receipt_that_cannot_be_issued_says_what_is_missing(qtbot: QtBot, set_up: SetUp,
                                                               message_boxes: list[Shown]) -> None:
    counter = letter_counter(set_up.db, set_up.admin, hotline="")
    case = register_complaint(set_up.db, counter.clerk, draft())
    assert offer_receipt(None, counter.ctx, counter.clerk, case.id, ask=False) is None
    assert "telephone number for follow-up" in message_boxes[-1].text
    assert letters.list_letters(set_up.db, counter.clerk, case.id) == []


def test_decision_inputs_type_is_exported() -> None:
    assert DecisionInputs().remedy is None
