"""The end of an export: a message with Open, Show in folder and Close, opening through the desktop's URL
handler (a real QDesktopServices handler here, so nothing is launched)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.saved_file import show_saved


class Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened(qapp: QApplication) -> Iterator[Opened]:
    handler = Opened()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


def answer_with(monkeypatch: pytest.MonkeyPatch, label: str, seen: list[QMessageBox]) -> None:
    """Instead of waiting for a person, the box records itself and its button ``label`` is pressed."""
    def fake_exec(box: QMessageBox) -> int:
        seen.append(box)
        button = next(b for b in box.buttons() if b.text().replace("&", "") == label)
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)


@pytest.mark.parametrize(("label", "opens_folder"), [("Open", False), ("Show in folder", True)])
def test_open_or_show_in_folder(monkeypatch: pytest.MonkeyPatch, opened: Opened, tmp_path: Path,
                                label: str, opens_folder: bool) -> None:
    path = tmp_path / "统计 2026.xlsx"
    path.write_bytes(b"x")
    seen: list[QMessageBox] = []
    answer_with(monkeypatch, label, seen)
    show_saved(None, path, "The statistics workbook is ready.")
    assert sorted(b.text() for b in seen[0].buttons()) == ["&Close", "&Open", "Show in &folder"]
    assert seen[0].text() == "The statistics workbook is ready." and str(path) in seen[0].informativeText()
    assert seen[0].defaultButton() is seen[0].escapeButton()  # Enter and Esc close it without opening
    assert [Path(u.toLocalFile()) for u in opened.urls] == [path.parent if opens_folder else path]


def test_close_opens_nothing_and_a_folder_offers_only_open_folder(
        monkeypatch: pytest.MonkeyPatch, opened: Opened, tmp_path: Path) -> None:
    seen: list[QMessageBox] = []
    answer_with(monkeypatch, "Close", seen)
    show_saved(None, tmp_path, "12 letters saved.")
    assert sorted(b.text() for b in seen[0].buttons()) == ["&Close", "&Open folder"]
    assert opened.urls == []
