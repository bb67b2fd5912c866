"""The app's shared keyboard behaviour: a wheel guard for the whole application, a date field that takes
typing, and a date-time edit that Tab leaves.

Counter staff work from the keyboard and scroll long forms with the wheel; a combo box or spin box that
happens to be under the pointer must not change its value while the form scrolls past it (it did:
严重程度 changed silently). ``install(app)`` adds the one event filter that stops that.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QWidget,
)

from desk_app.i18n import _
from ui.accessibility import KEYBOARD_ALTERNATIVE

_Date = date  # the type, for annotations inside DateField (whose ``date()`` method hides the name)
_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_typed_date(text: str, today: date, *, past: bool = False) -> date | None:
    """A date as a clerk types it: 2026-12-07 (also / . or 年月日), 20261207, or 12-07 (this year; with
    ``past``, last year when that day is still to come). Empty text is no date; anything else is a
    ``ValueError`` with a translated message."""
    text = text.strip()
    if not text:
        return None
    if match := _FULL.match(text) or _COMPACT.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _MONTH_DAY.match(text):
        year, (month, day) = today.year, (int(part) for part in match.groups())
    else:
        raise ValueError(_("'{text}' is not a date: type it as 2026-12-07, 20261207 or 12-07.").format(text=text))
    try:
        found = date(year, month, day)
    except ValueError:
        raise ValueError(_("'{text}' is not a date of the calendar.").format(text=text)) from None
    if past and _MONTH_DAY.match(text) and found > today:
        with contextlib.suppress(ValueError):  # 29 February stays this year's
            found = found.replace(year=year - 1)
    return found


class WheelGuard(QObject):
    """Application-wide event filter: a combo box or spin box (date edits too) ignores the wheel unless it has
    the keyboard focus; the wheel then scrolls the scroll area that holds it, as if the box were not there."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QComboBox | QAbstractSpinBox):
            return False
        if watched.hasFocus():
            return False
        holder = watched.parentWidget()
        while holder is not None and not isinstance(holder, QAbstractScrollArea):
            holder = holder.parentWidget()
        if holder is None:
            event.ignore()  # nothing scrolls here: a real wheel goes on to the parents
            return True
        viewport = holder.viewport()
        assert isinstance(event, QWheelEvent) and viewport is not None
        QApplication.sendEvent(viewport, event.clone())  # the form scrolls past the box
        event.accept()
        return True


def install(app: QApplication) -> WheelGuard:
    """Install the wheel guard once on ``app`` (later calls return the one installed)."""
    guard = app.findChild(WheelGuard, "wheelGuard")
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName("wheelGuard")
        app.installEventFilter(guard)
    return guard


class DateTimeField(QDateTimeEdit):
    """A date-time edit that Tab leaves (QDateTimeEdit's Tab walks through its sections first, so a keyboard
    user needed five Tabs to get past it). Left and Right still move between the sections."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class DateField(QWidget):
    """An optional date typed as text (see ``parse_typed_date``): empty until something is typed, shown as
    2026-12-07 once typed; F4, Alt+Down or the button opens a calendar on the date (or on today).

    ``date()`` raises ``ValueError`` (with the message for the clerk) while the text is not a date.
    """

    sig_changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None, *, past: bool = False) -> None:
        super().__init__(parent)
        self.past = past
        self.edit = QLineEdit(self)
        self.edit.setObjectName(name)
        self.edit.setMaxLength(20)
        self.edit.setClearButtonEnabled(True)
        self.edit.editingFinished.connect(self.normalise)
        self.edit.textChanged.connect(self.sig_changed)
        self.edit.installEventFilter(self)
        self.calendar_button = QToolButton(self)
        self.calendar_button.setObjectName(f"{name}Calendar")
        self.calendar_button.setText("▾")
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F4 in the field does the same
        self.calendar_button.setProperty(KEYBOARD_ALTERNATIVE, "F4")
        self.calendar_button.clicked.connect(self.show_calendar)
        self.calendar: QCalendarWidget | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.calendar_button)
        self.setFocusProxy(self.edit)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("2026-12-07") + 40)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.edit.setPlaceholderText(_("yyyy-mm-dd"))
        self.calendar_button.setToolTip(_("Choose on a calendar (F4)"))
        self.calendar_button.setAccessibleName(_("Choose on a calendar"))

    # -- value -----------------------------------------------------------------------------------------
    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self.normalise()

    def date(self) -> _Date | None:
        """The date typed, None when empty; ``ValueError`` when the text is not a date."""
        return parse_typed_date(self.edit.text(), date.today(), past=self.past)

    def set_date(self, value: _Date | None) -> None:
        self.edit.setText(value.isoformat() if value is not None else "")

    def normalise(self) -> None:
        """Show a typed date in its full form (12-07 → 2026-12-07); leave text that is no date as it is."""
        try:
            value = self.date()
        except ValueError:
            return
        if value is not None and self.edit.text() != value.isoformat():
            self.edit.setText(value.isoformat())

    # -- calendar --------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            down = event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
            if event.key() == Qt.Key.Key_F4 or down:
                self.show_calendar()
                return True
        return False

    def show_calendar(self) -> None:
        """A calendar popup on the typed date or on today; Enter or a click takes a day, Esc closes it."""
        try:
            current = self.date()
        except ValueError:
            current = None
        calendar = QCalendarWidget(self)
        calendar.setWindowFlags(Qt.WindowType.Popup)
        calendar.setObjectName("dateFieldCalendar")
        calendar.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        calendar.setGridVisible(True)
        shown = current or date.today()
        calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        calendar.activated.connect(self._chosen)
        calendar.clicked.connect(self._chosen)
        calendar.destroyed.connect(self._calendar_gone)
        calendar.adjustSize()
        calendar.move(self.mapToGlobal(QPoint(0, self.height())))
        self.calendar = calendar
        calendar.show()
        calendar.setFocus()

    def _chosen(self, day: QDate) -> None:
        self.set_date(date(day.year(), day.month(), day.day()))
        if self.calendar is not None:
            self.calendar.close()
        self.window().activateWindow()  # back from the popup
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)

    def _calendar_gone(self) -> None:
        self.calendar = None
