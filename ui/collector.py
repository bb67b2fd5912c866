"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold is crossed —
often a worker thread waiting on the desk server (httpx) or the database. If the garbage it finds holds a
widget (a lambda connected to a signal that captures its window is such a cycle), the widget's C++ object
is destroyed on that worker thread while the GUI thread may be delivering events to it: a crash, at random.
So automatic collection is switched off and a timer on the GUI thread collects instead, with the same
thresholds (Anki, a PyQt application, does the same for the same reason).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects on the GUI thread, every ``INTERVAL_MS`` when the generation counts call for it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def collect_if_due(self) -> int:
        """The generation collected (-1: none was due), as the automatic collector would choose it."""
        counts = gc.get_count()
        generation = -1
        for index, (count, threshold) in enumerate(zip(counts, self.thresholds, strict=True)):
            if threshold and count > threshold:
                generation = index
            else:
                break
        if generation >= 0:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        """A last collection here, then automatic collection again if it was on before."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
        self.deleteLater()
