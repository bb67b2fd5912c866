"""The complete timeline of a case: every event with local time, who, and what happened in words.

Events are listed newest first (the latest change is what a handler looks for); each entry has a
title line ("Status: Assigned → In progress") and the details of its payload below it, both from
``desk_app.domain.events.event_text`` (the words the audit log viewer and the exports use too).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from desk_app.domain.events import EventNames, event_text
from desk_app.domain.events.describe import money, stage_title
from desk_app.i18n import _
from desk_app.services.timeline import EventInfo

#: The names events refer to by code (kept under the timeline's name for its callers).
TimelineNames = EventNames
__all__ = ["TimelineEntry", "TimelineNames", "TimelineWidget", "describe_events", "money", "stage_title"]


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    when: datetime
    who: str
    kind: str
    title: str
    details: tuple[str, ...]


def describe_events(events: tuple[EventInfo, ...] | list[EventInfo], tz: ZoneInfo,
                    names: TimelineNames | None = None) -> list[TimelineEntry]:
    """Entries for ``events``, newest first; ``names`` gives the names of coded things events refer to."""
    entries = []
    for event in events:
        text = event_text(event.kind, event.payload, names=names, tz=tz)
        entries.append(TimelineEntry(event.seq, event.occurred_at.astimezone(tz), event.actor_name or _("system"),
                                     event.kind, text.title, text.details))
    return sorted(entries, key=lambda e: e.seq, reverse=True)


class TimelineWidget(QWidget):
    """Every event of one case, newest first, as readable text (selectable, screen-reader friendly)."""

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineWidget")
        self._tz = tz
        self._events: tuple[EventInfo, ...] = ()
        self.names = TimelineNames()
        self.entries: list[TimelineEntry] = []
        self.title = QLabel(self)
        self.title.setStyleSheet("color: #5b6b7a;")
        self.view = QTextBrowser(self)
        self.view.setObjectName("timelineText")
        self.view.setOpenLinks(False)
        self.title.setBuddy(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.title.setText(_("Every event of the case, ne&west first"))
        self.view.setAccessibleName(_("Timeline"))
        self.set_events(self._events)

    def set_events(self, events: tuple[EventInfo, ...]) -> None:
        self._events = tuple(events)
        self.entries = describe_events(self._events, self._tz, self.names)
        scroll = self.view.verticalScrollBar().value()
        self.view.setHtml(self._html())
        self.view.verticalScrollBar().setValue(scroll)

    def _html(self) -> str:
        if not self.entries:
            return f"<p style='color:#666'>{html.escape(_('No events yet.'))}</p>"
        rows = []
        for entry in self.entries:
            details = "".join(f"<p style='margin:0 0 0 14px; color:#333'>{html.escape(line)}</p>"
                              for line in entry.details)
            rows.append(
                f"<p style='margin:10px 0 0 0; color:#5b6b7a'>{entry.when:%Y-%m-%d %H:%M} · "
                f"{html.escape(entry.who)}</p>"
                f"<p style='margin:0; font-weight:bold'>{html.escape(entry.title)}</p>{details}")
        return "".join(rows)

    def plain_text(self) -> str:
        return self.view.toPlainText()
