"""The keyboard model's parts, driven by key events into the focused widget: typed dates, a date-time edit
that Tab leaves, code pickers that move with the arrows and find by code, everyday words and pinyin
initials, and combo boxes that ignore the wheel unless focused."""

from __future__ import annotations

from datetime import date

import pytest
from keyboard import key, type_text
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QScrollArea, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desk_app.services.reference import CodeInfo
from ui import keyboard as keyboard_model
from ui.intake.code_picker import CodePicker
from ui.keyboard import DateField, DateTimeField, parse_typed_date

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-12-07", date(2026, 12, 7)), ("20261207", date(2026, 12, 7)), ("12-07", date(2026, 12, 7)),
    ("2026/1/5", date(2026, 1, 5)), ("2026年1月5日", date(2026, 1, 5)), ("3.15", date(2026, 3, 15)),
    ("  ", None), ("", None),
])
def test_dates_are_typed_as_a_clerk_types_them(typed: str, expected: date | None) -> None:
    assert parse_typed_date(typed, TODAY) == expected


def test_a_day_still_to_come_means_last_year_for_a_past_date() -> None:
    assert parse_typed_date("12-20", TODAY, past=True) == date(2025, 12, 20)
    assert parse_typed_date("12-20", TODAY) == date(2026, 12, 20)
    assert parse_typed_date("12-06", TODAY, past=True) == date(2026, 12, 6)


@pytest.mark.parametrize("typed", ["2026-13-01", "2026-02-30", "yesterday", "2026121", "12-07-2026"])
def test_what_is_no_date_gets_a_clear_message(typed: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_typed_date(typed, TODAY)


_WINDOWS: list[QWidget] = []


def _window(qtbot: QtBot, *widgets: QWidget) -> QWidget:
    """A window holding ``widgets``, active (kept referenced until the test ends: qtbot closes it)."""
    window = QWidget()
    _WINDOWS[:] = [window]
    layout = QVBoxLayout(window)
    for widget in widgets:
        layout.addWidget(widget)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    return window


def test_the_date_field_takes_typing_stays_empty_and_tab_leaves_it(qtbot: QtBot) -> None:
    field, after = DateField("when", past=True), QLineEdit()
    _window(qtbot, field, after)
    field.setFocus()
    assert field.text() == "" and field.date() is None          # empty until something is typed
    type_text(qtbot, "20261201")
    key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after                    # one Tab leaves it
    assert field.text() == "2026-12-01" and field.date() == date(2026, 12, 1)
    field.setFocus()
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "soon")
    with pytest.raises(ValueError, match="is not a date"):
        field.date()


def test_the_calendar_opens_on_today_and_enter_takes_a_day(qtbot: QtBot) -> None:
    field = DateField("when")
    _window(qtbot, field)
    field.setFocus()
    key(qtbot, Qt.Key.Key_F4)
    calendar = field.calendar
    assert calendar is not None and calendar.isVisible()
    assert calendar.selectedDate().toPython() == date.today()     # not 1900 or 1901
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Left)
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: field.calendar is None, timeout=2000)
    assert field.date() == date.fromordinal(date.today().toordinal() - 1)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field.edit, timeout=2000)


def test_tab_leaves_the_date_time_edit_at_once(qtbot: QtBot) -> None:
    edit, after = DateTimeField(), QLineEdit()
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    _window(qtbot, edit, after)
    edit.setFocus()
    key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after


CODES = [CodeInfo("C01", "服务态度及服务质量", "Service attitude and quality", None, 1, True),
         CodeInfo("C02", "服务设施、设备、业务系统", "Service facilities", None, 1, True),
         CodeInfo("C03", "管理制度、业务规则与流程", "Management rules", None, 1, True),
         CodeInfo("C04", "营销方式", "Marketing practices", None, 1, True),
         CodeInfo("C09", "消费者资金安全", "Security of consumers' funds", None, 1, True),
         CodeInfo("A01", "营业现场", "Branch premises", None, 1, True),
         CodeInfo("B03", "银行卡", "Bank cards", None, 1, True),
         CodeInfo("B0302", "信用卡", "Credit cards", "B03", 2, True),
         CodeInfo("D02", "理赔纠纷", "Claims disputes", None, 1, True)]


def _picker(qtbot: QtBot) -> CodePicker:
    picker = CodePicker("C")
    picker.set_codes(CODES)
    _window(qtbot, picker, QLineEdit())
    picker.setFocus()
    return picker


def test_down_moves_the_list_and_enter_takes_the_row(qtbot: QtBot) -> None:
    picker = _picker(qtbot)
    type_text(qtbot, "C0")
    popup = picker.completer.popup()
    assert popup is not None and popup.isVisible()
    for _ in range(4):
        key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    assert picker.code() == "C04" and picker.text().startswith("C04 ")
    assert not popup.isVisible() and QApplication.focusWidget() is picker.edit


def test_down_in_an_empty_picker_opens_the_whole_list(qtbot: QtBot) -> None:
    picker = _picker(qtbot)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    assert picker.code() == "C02"


@pytest.mark.parametrize(("typed", "code"), [
    ("柜面", "A01"), ("理赔", "D02"), ("被盗", "C09"),       # the counter's everyday words
    ("xyk", "B0302"), ("yxfs", "C04"), ("yingxiao", "C04"),   # pinyin initials and full pinyin
    ("c04", "C04"), ("营销", "C04"), ("marketing", "C04"),    # codes and names as before
])
def test_a_code_is_found_by_code_name_everyday_word_and_pinyin(qtbot: QtBot, typed: str, code: str) -> None:
    picker = _picker(qtbot)
    type_text(qtbot, typed)
    assert [info.code for info in picker.matches(typed)] == [code]
    key(qtbot, Qt.Key.Key_Return)  # the only row in the list is taken
    assert picker.code() == code


def test_the_wheel_scrolls_past_an_unfocused_combo_box(qtbot: QtBot) -> None:
    keyboard_model.install(QApplication.instance())  # type: ignore[arg-type]
    assert keyboard_model.install(QApplication.instance()) is QApplication.instance().findChild(  # type: ignore
        keyboard_model.WheelGuard, "wheelGuard")                                               # installed once
    area = QScrollArea()
    content = QWidget()
    layout = QVBoxLayout(content)
    combo = QComboBox()
    combo.addItems(["一般", "重大", "恶性"])
    other = QLineEdit()
    layout.addWidget(other)
    layout.addWidget(combo)
    layout.addSpacing(2000)
    area.setWidget(content)
    area.resize(300, 300)
    _window(qtbot, area)
    other.setFocus()

    def wheel(target: QWidget) -> None:
        position = QPointF(target.width() / 2, target.height() / 2)
        event = QWheelEvent(position, QPointF(target.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(target, event)

    scrollbar = area.verticalScrollBar()
    wheel(combo)
    assert combo.currentIndex() == 0 and scrollbar.value() > 0    # the form scrolled, the value stayed
    combo.setFocus()
    wheel(combo)
    assert combo.currentIndex() == 1                              # focused: the wheel is the user's choice
