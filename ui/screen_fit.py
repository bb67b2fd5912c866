"""Does the main window fit a counter PC's screen? The checks behind "nothing cut off".

A 1366×768 screen at 150 % display scaling leaves 911×512 logical pixels; layouts are computed in
logical pixels, so a window of that size lays out exactly as it would there. Used by the GUI tests
and by ``tools/screenshots.py``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QMainWindow, QScrollArea, QStackedWidget, QWidget

#: The smallest screen a counter PC has, in physical pixels.
SCREEN = (1366, 768)


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
