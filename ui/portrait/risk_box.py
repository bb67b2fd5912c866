"""Risk signals on a case: the flags the customer's words (or a high risk rating) point to, with the
evidence — each phrase shown highlighted in its sentence — and a button to confirm each (sets the special
flag and escalates). Nothing is automatic."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from desk_app.services.complaints import get_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.risk_signals import Evidence, Suggestion, confirm_flag, suggest_flags
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.tasks import run_call


@dataclass(frozen=True)
class _Loaded:
    version: int
    suggestions: list[Suggestion]


def evidence_html(evidence: Evidence) -> str:
    """One piece of evidence as rich text: where it was said, then its sentence with the phrase marked."""
    source = html.escape(f"{evidence.source_label} · {evidence.kind_label}")
    if not evidence.phrase:
        return f"<span style='color:#555'>{source}</span>: {html.escape(evidence.sentence)}"
    start, end = evidence.phrase_at
    sentence = evidence.sentence
    marked = (f"{html.escape(sentence[:start])}<b style='background-color:#ffd54f'>"
              f"{html.escape(sentence[start:end])}</b>{html.escape(sentence[end:])}")
    return f"<span style='color:#555'>{source}</span>: {marked}"


class RiskSignalsBox(Retranslating, QWidget):
    """Shown in the case view; hidden while there is nothing to suggest. ``sig_confirmed`` carries the
    updated ComplaintDetail."""

    sig_confirmed = Signal(object)
    sig_loaded = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None,
                 *, load: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("riskSignalsBox")
        self._ctx = ctx
        self._actor = actor
        self.complaint_id = complaint_id
        self.version = 0
        self.suggestions: list[Suggestion] = []
        self.buttons: list[QPushButton] = []
        self.evidence_labels: list[QLabel] = []
        self.frame = QFrame(self)
        self.frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.frame.setStyleSheet("QFrame#riskFrame { background: #fbefe9; }")
        self.frame.setObjectName("riskFrame")
        self.title = QLabel(self.frame)
        self.title.setStyleSheet("font-weight: bold; color: #8a1c1c;")
        self.rows = QVBoxLayout()
        inner = QVBoxLayout(self.frame)
        inner.addWidget(self.title)
        inner.addLayout(self.rows)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame)
        self.hide()
        self.retranslate_ui()
        if load:
            self.refresh()

    def retranslate_ui(self) -> None:
        self.title.setText(_("Risk signals — confirm a flag only if it fits the case"))
        if self.suggestions:
            self._show(self.suggestions)

    def refresh(self) -> None:
        backend, actor, complaint_id = self._ctx.backend, self._actor, self.complaint_id

        def work() -> _Loaded:
            version = backend.call(actor, get_complaint, complaint_id, with_events=False).version
            return _Loaded(version, backend.call(actor, suggest_flags, complaint_id))

        run_call(self, work, self._loaded, self._failed)

    def _loaded(self, result: _Loaded) -> None:
        self.version = result.version
        self._show(result.suggestions)
        self.sig_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _show(self, suggestions: list[Suggestion]) -> None:
        self.suggestions = list(suggestions)
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = []
        self.evidence_labels = []
        for suggestion in self.suggestions:
            row = QWidget(self.frame)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            column = QVBoxLayout()
            heading = QLabel(suggestion.label, row)
            heading.setStyleSheet("font-weight: bold;")
            column.addWidget(heading)
            for evidence in suggestion.evidence:
                label = QLabel(evidence_html(evidence), row)
                label.setObjectName("riskEvidence")
                label.setWordWrap(True)
                label.setTextFormat(Qt.TextFormat.RichText)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                label.setAccessibleName(evidence.describe())
                column.addWidget(label)
                self.evidence_labels.append(label)
            button = QPushButton(_("Confirm"), row)
            button.setObjectName(f"confirm_{suggestion.flag.value if suggestion.flag else 'escalate'}")
            button.setAccessibleName(_("Confirm: {flag}").format(flag=suggestion.label))
            button.setEnabled(has_permission(self._actor.role, Permission.EDIT_CASE))
            button.clicked.connect(lambda _checked=False, s=suggestion: self.confirm(s))
            line.addLayout(column, 1)
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.rows.addWidget(row)
            self.buttons.append(button)
        self.setVisible(bool(self.suggestions))

    def confirm(self, suggestion: Suggestion) -> None:
        backend, actor, complaint_id, version = self._ctx.backend, self._actor, self.complaint_id, self.version

        def work() -> ComplaintDetail:
            return backend.call(actor, confirm_flag, complaint_id, version, suggestion.flag, suggestion.evidence_text())

        for button in self.buttons:
            button.setEnabled(False)
        run_call(self, work, self._confirmed, self._confirm_failed)

    def _confirmed(self, result: ComplaintDetail) -> None:
        self.sig_confirmed.emit(result)
        self.refresh()

    def _confirm_failed(self, exc: BaseException) -> None:
        show_error(self, exc)
        self.refresh()
