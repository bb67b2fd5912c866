"""Does the main window fit a counter PC's screen? The checks behind "nothing cut off".

A 1366×768 screen at 150 % display scaling leaves 911×512 logical pixels; layouts are computed in
logical pixels, so a window of that size lays out exactly as it would there. Used by the GUI tests
and by ``tools/screenshots.py``.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QHeaderView,
    QLabel,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

#: The smallest screen a counter PC has, in physical pixels.
SCREEN = (1366, 768)


#: What a window's frame (title bar, borders) takes from the screen's height.
FRAME_HEIGHT = 32


def available_size(widget: QWidget) -> tuple[int, int]:
    """The logical size of the screen ``widget`` is on, less the task bar."""
    screen = widget.screen() or QApplication.primaryScreen()
    geometry = screen.availableGeometry()
    return geometry.width(), geometry.height()


def resize_within_screen(widget: QWidget, width: int, height: int) -> None:
    """Open ``widget`` at ``width``×``height``, or smaller where its screen is smaller (a 1366×768 screen at
    150 % has 911×512 logical pixels), so that its buttons are never below the screen's edge."""
    screen_width, screen_height = available_size(widget)
    widget.resize(max(min(width, screen_width), widget.minimumWidth()),
                  max(min(height, screen_height - FRAME_HEIGHT), widget.minimumHeight()))


def logical_screen(scale: float) -> tuple[int, int]:
    """The screen in logical pixels at a display scaling of ``scale`` (1.5 for 150 %)."""
    return int(SCREEN[0] / scale), int(SCREEN[1] / scale)


def clipped_texts(root: QWidget) -> list[str]:
    """Visible labels and buttons narrower than their own text (word-wrapping labels excepted)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, QLabel | QAbstractButton):
            continue
        if isinstance(widget, QLabel) and (widget.wordWrap() or not widget.text()):
            continue
        if isinstance(widget, QAbstractButton) and not widget.text():  # an icon or a tab bar's scroll arrow
            continue
        if widget.width() + 1 < widget.minimumSizeHint().width():
            text = widget.text().replace("\n", " ")[:40]
            found.append(f"{type(widget).__name__} '{text}': {widget.width()} < {widget.minimumSizeHint().width()} px")
    return found


def fit_problems(window: QMainWindow, pages: QStackedWidget, size: tuple[int, int]) -> list[str]:
    """What does not fit when ``window`` shows its current page on a screen of ``size`` logical pixels:
    a window that had to grow beyond the screen, a page that scrolls sideways, clipped texts."""
    problems = []
    if window.width() > size[0] + 1 or window.height() > size[1] + 1:
        problems.append(f"the window is {window.width()}×{window.height()}, larger than {size[0]}×{size[1]}")
    page = pages.currentWidget()
    for area in [page, *page.findChildren(QScrollArea)] if page is not None else []:
        if isinstance(area, QScrollArea) and area.isVisible() and area.horizontalScrollBar().maximum() > 0:
            name = area.objectName() or type(area.widget()).__name__
            problems.append(f"{name} scrolls sideways by {area.horizontalScrollBar().maximum()} px")
    return problems + clipped_texts(window)


def _scrolled(widget: QWidget, root: QWidget) -> bool:
    """Is ``widget`` inside a scroll area's or an item view's viewport below ``root`` (it may lie beyond the
    visible part: the user scrolls to it)?"""
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def dialog_problems(dialog: QWidget, size: tuple[int, int]) -> list[str]:
    """What does not fit when the shown ``dialog`` is on a screen of ``size`` logical pixels: a dialog that
    opens larger than the screen or cannot shrink to it, a widget (a button) outside the dialog, a widget
    squeezed below its minimum height (a table row squashed), clipped texts. Resizes the dialog to fit."""
    problems = []
    width, height = size
    if dialog.width() > width + 1 or dialog.height() > height + 1:
        problems.append(f"opens at {dialog.width()}×{dialog.height()}, larger than {width}×{height}")
    dialog.resize(min(dialog.width(), width), min(dialog.height(), height))
    for _round in range(3):  # layouts are redone in posted events
        QApplication.processEvents()
    if dialog.width() > width + 1 or dialog.height() > height + 1:
        problems.append(f"cannot shrink below {dialog.width()}×{dialog.height()}")
    inside = dialog.rect().adjusted(-1, -1, 1, 1)
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisible() or widget.isWindow() or _scrolled(widget, dialog):
            continue
        where = QRect(widget.mapTo(dialog, QPoint(0, 0)), widget.size())
        name = f"{type(widget).__name__}#{widget.objectName() or '-'}"
        if isinstance(widget, QAbstractButton | QLabel) and widget.text():
            name += f" '{widget.text().replace(chr(10), ' ')[:30]}'"
        if not inside.contains(where):
            problems.append(f"{name} lies outside the dialog ({where.x()},{where.y()} {where.width()}×"
                            f"{where.height()} in {dialog.width()}×{dialog.height()})")
        elif isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView) \
                and widget.height() + 1 < widget.minimumSizeHint().height():
            problems.append(f"{name} is squeezed to {widget.height()} px (needs {widget.minimumSizeHint().height()})")
    return problems + clipped_texts(dialog)
