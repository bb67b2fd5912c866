"""A case's checklists: each step with its guidance and the wording for the customer's type, a tick box
that shows who ticked it and when, and the printable conversation aid.

Keyboard: Space on a step's box ticks it at once; its optional note is typed inline, in the field beside
the box (Enter there ticks the step with the note). No dialog asks for the note. Taking a tick back
asks for confirmation (Y/N).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.portrait import STRATEGY_CARDS
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.i18n import _
from desk_app.services import checklists
from desk_app.services.checklists import ChecklistView, StepView
from desk_app.services.complaints import get_complaint
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.letters.preview_dialog import LetterPreviewDialog, open_preview
from ui.tasks import CancelledFn, ProgressFn, run_call, run_with_progress


def confirm_untick(parent: QWidget | None, step_title: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, _("Take back the tick"),
                      _("Take back the tick on “{step}”? The timeline keeps both the tick and its withdrawal.")
                      .format(step=step_title),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def show_aid(parent: QWidget | None, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID,
             view: ChecklistView) -> LetterPreviewDialog | None:
    """Render the one-page conversation aid and preview it (Print, Save as…)."""

    def work(_progress: ProgressFn, _cancelled: CancelledFn) -> bytes:
        return ctx.backend.call(actor, checklists.conversation_aid, complaint_id, view.key)

    try:
        pdf = run_with_progress(parent, _("Preparing the conversation aid…"), work)
    except Exception as exc:
        show_error(parent, exc)
        return None
    title = _("Conversation aid: {title}").format(title=view.title.text())
    return open_preview(LetterPreviewDialog(pdf, title, f"{view.key}-v{view.version}.pdf", parent))


def wording_label(step: StepView) -> str:
    if step.wording is None:
        return ""
    if step.wording_for and step.wording_for != "default":
        name = STRATEGY_CARDS[PsychType(step.wording_for)].name.text()
        return _("Say ({type}): “{words}”").format(type=name, words=step.wording.text())
    return _("Say: “{words}”").format(words=step.wording.text())


class StepRow(QFrame):
    def __init__(self, view: ChecklistView, step: StepView, ctx: AppContext, editable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.checkbox = QCheckBox(step.title.text(), self)
        self.checkbox.setObjectName(f"tick_{view.key}_{step.key}")
        self.checkbox.setChecked(step.ticked)
        self.checkbox.setEnabled(editable)
        self.checkbox.setAccessibleDescription(step.guidance.text())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 4)
        layout.setSpacing(1)
        self.note = QLineEdit(self)
        self.note.setObjectName(f"note_{view.key}_{step.key}")
        self.note.setMaxLength(checklists.MAX_NOTE_LENGTH)
        self.note.setPlaceholderText(_("Note (optional); Enter ticks the step"))
        self.note.setAccessibleName(_("Note on “{step}”").format(step=step.title.text()))
        self.note.setVisible(editable and not step.ticked)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.checkbox)
        top.addWidget(self.note, 1)
        layout.addLayout(top)
        self.guidance = self._label(step.guidance.text(), "color: #38414a;")
        layout.addWidget(self.guidance)
        self.wording = self._label(wording_label(step), "color: #2f5d3a; font-style: italic;")
        self.wording.setVisible(step.wording is not None)
        layout.addWidget(self.wording)
        gates = "; ".join(g.describe() for g in step.required_before)
        self.gates = self._label(_("Required {when}").format(when=gates) if gates else "",
                                 "color: #8a1c1c;")
        self.gates.setVisible(bool(gates))
        layout.addWidget(self.gates)
        ticked = ""
        if step.ticked and step.ticked_at is not None:
            when = step.ticked_at.astimezone(ctx.office_tz).strftime("%Y-%m-%d %H:%M")
            ticked = _("Ticked by {who} at {when}").format(who=step.ticked_by, when=when)
            if step.note:
                ticked += f" — {step.note}"
        self.ticked = self._label(ticked, "color: #1f3a5f;")
        self.ticked.setObjectName(f"ticked_{view.key}_{step.key}")
        self.ticked.setVisible(bool(ticked))
        layout.addWidget(self.ticked)

    def _label(self, text: str, style: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet(f"QLabel {{ {style} margin-left: 22px; }}")
        return label


class ChecklistBox(QGroupBox):
    """One checklist: its steps and a button for the printable aid."""

    def __init__(self, panel: ChecklistPanel, view: ChecklistView, editable: bool) -> None:
        super().__init__(panel.content)
        self.view = view
        self.setObjectName(f"checklist_{view.key}")
        title = _("{title} — version {version}, {done} of {total} done").format(
            title=view.title.text(), version=view.version, done=view.done, total=len(view.steps))
        self.setTitle(title)
        layout = QVBoxLayout(self)
        if view.summary.text():
            summary = QLabel(view.summary.text(), self)
            summary.setWordWrap(True)
            layout.addWidget(summary)
        if view.latest_version > view.version:
            pinned = QLabel(_("This case keeps version {version}, the one it started with (the newest is "
                              "{latest}).").format(version=view.version, latest=view.latest_version), self)
            pinned.setWordWrap(True)
            layout.addWidget(pinned)
        self.rows: dict[str, StepRow] = {}
        for step in view.steps:
            row = StepRow(view, step, panel.ctx, editable, self)
            row.checkbox.clicked.connect(lambda checked, s=step: panel.toggle(view, s, checked))
            row.note.returnPressed.connect(lambda s=step: panel.toggle(view, s, True))
            layout.addWidget(row)
            self.rows[step.key] = row
        self.aid_button = QPushButton(_("Print the conversation aid…"), self)
        self.aid_button.setObjectName(f"aid_{view.key}")
        self.aid_button.clicked.connect(lambda: panel.print_aid(view))
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.aid_button)
        layout.addLayout(bottom)


@dataclass(frozen=True)
class _Loaded:
    editable: bool
    views: list[ChecklistView]


class ChecklistPanel(Retranslating, QWidget):
    """The checklists that apply to a case now (and those it started); ``sig_changed`` after a tick."""

    sig_changed = Signal()
    sig_loaded = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None,
                 *, load: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("checklistPanel")
        self.ctx = ctx
        self._actor = actor
        self.complaint_id = complaint_id
        self.views: list[ChecklistView] = []
        self.boxes: dict[str, ChecklistBox] = {}
        self._editable = False
        self._busy = False
        self._loads = 0  # reads under way

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.refresh_button)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.content)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll_area, 1)
        self.retranslate_ui()
        if load:
            self.refresh()

    def retranslate_ui(self) -> None:
        self.title.setText(_("Checklists"))
        self.refresh_button.setText(_("Refresh"))
        self.empty.setText(_("No checklist applies to the case at its current step."))
        self.scroll_area.setAccessibleName(_("Checklists"))
        if self.views:
            self._show(self.views)

    def showEvent(self, event: QShowEvent) -> None:
        """Shown by a switch to its tab (Alt+K, or the case view pointing at unticked steps) in a window already
        in use: the keyboard goes to the first step to tick, so Space ticks it (or Tab to its note)."""
        super().showEvent(event)
        if event.spontaneous() or not self.window().isActiveWindow():
            return
        focus = QApplication.focusWidget()
        if focus is not None and self.isAncestorOf(focus):
            return
        row = self.first_unticked()
        if row is not None:
            row.checkbox.setFocus(Qt.FocusReason.TabFocusReason)
            self.scroll_area.ensureWidgetVisible(row)

    def first_unticked(self) -> StepRow | None:
        """The first step that can be ticked now, in the order shown."""
        for box in self.boxes.values():
            for row in box.rows.values():
                if row.checkbox.isEnabled() and not row.checkbox.isChecked():
                    return row
        return None

    def checkbox(self, checklist_key: str, step_key: str) -> QCheckBox:
        return self.boxes[checklist_key].rows[step_key].checkbox

    def step_row(self, checklist_key: str, step_key: str) -> StepRow:
        return self.boxes[checklist_key].rows[step_key]

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        backend, actor, complaint_id = self.ctx.backend, self._actor, self.complaint_id

        def work() -> _Loaded:
            detail = backend.call(actor, get_complaint, complaint_id, with_events=False)
            return _Loaded(detail.status not in FINISHED_STATES,
                           backend.call(actor, checklists.applicable_checklists, complaint_id))

        self._loads += 1
        run_call(self, work, self._loaded, self._load_failed)

    @property
    def loading(self) -> bool:
        """A read of the checklists is under way."""
        return self._loads > 0

    def _load_failed(self, exc: BaseException) -> None:
        self._loads -= 1
        show_error(self, exc)

    def _loaded(self, result: _Loaded) -> None:
        self._loads -= 1
        self._editable = result.editable and has_permission(self._actor.role, Permission.EDIT_CASE)
        self._show(result.views)
        self.sig_loaded.emit()

    def _tick_failed(self, exc: BaseException) -> None:
        self._busy = False
        show_error(self, exc)
        self.refresh()  # show the ticks as they are stored

    def _focused_step(self) -> tuple[str, str, bool] | None:
        """(checklist, step, on the note) of the step whose box or note has the focus."""
        focus = QApplication.focusWidget()
        for key, box in self.boxes.items():
            for step_key, row in box.rows.items():
                if focus is row.checkbox or focus is row.note:
                    return key, step_key, focus is row.note
        return None

    def _show(self, views: list[ChecklistView]) -> None:
        focused = self._focused_step()
        self.views = list(views)
        for box in self.boxes.values():
            self.content_layout.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for index, view in enumerate(self.views):
            box = ChecklistBox(self, view, self._editable and not self._busy)
            self.content_layout.insertWidget(index, box)
            self.boxes[view.key] = box
        self.empty.setVisible(not self.views)
        if focused is not None and focused[0] in self.boxes and focused[1] in self.boxes[focused[0]].rows:
            row = self.boxes[focused[0]].rows[focused[1]]  # the keyboard stays where it was
            (row.note if focused[2] and row.note.isVisibleTo(self) else row.checkbox).setFocus()

    def _replace(self, view: ChecklistView) -> None:
        self._show([view if v.key == view.key else v for v in self.views])

    # -- ticking -----------------------------------------------------------------------------------
    def toggle(self, view: ChecklistView, step: StepView, checked: bool) -> None:
        """The clerk ticked a box (or pressed Enter in its note): tick with the note typed beside it, or take
        the tick back."""
        row = self.step_row(view.key, step.key)
        row.checkbox.setChecked(step.ticked)          # shown as it is stored until the database says otherwise
        if self._busy or (checked and step.ticked):
            return
        title = step.title.text()
        backend, actor, complaint_id = self.ctx.backend, self._actor, self.complaint_id
        if checked:
            note = row.note.text().strip()

            def work() -> ChecklistView:
                return backend.call(actor, checklists.tick_step, complaint_id, view.key, step.key, note)
        else:
            if not confirm_untick(self, title):
                return

            def work() -> ChecklistView:
                return backend.call(actor, checklists.untick_step, complaint_id, view.key, step.key)

        self._busy = True
        run_call(self, work, self._ticked, self._tick_failed)

    def _ticked(self, result: ChecklistView) -> None:
        self._busy = False
        self._replace(result)
        self.sig_changed.emit()

    def print_aid(self, view: ChecklistView) -> LetterPreviewDialog | None:
        return show_aid(self, self.ctx, self._actor, self.complaint_id, view)
