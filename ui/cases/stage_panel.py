"""The six-step flow 听 查 议 析 谈 行 as the spine of the case page: a step bar, and for the selected step
its record form (with the contact log at 谈 and the resolution and callback at 行).

The widgets here only show state and emit requests; the case view calls the services.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import Stage, Status
from desk_app.domain.handling import STAGE_FIELDS
from desk_app.domain.workflow import STAGE_CHARS, STAGE_ORDER, check_stage_move
from desk_app.errors import IllegalTransitionError
from desk_app.i18n import N_, _
from desk_app.services.handling import CaseFile
from ui.cases.case_records import CallbackBox, ContactLogBox, Permissions, ResolutionBox
from ui.cases.timeline_widget import stage_title
from ui.dialogs.common import InlineError

#: What each step is for, under its character in the step bar.
STEP_CAPTIONS: dict[Stage, str] = {
    Stage.LISTEN: N_("Hear the real demand"),
    Stage.INVESTIGATE: N_("Collect the evidence"),
    Stage.DELIBERATE: N_("Decide together"),
    Stage.ANALYSE: N_("Analyse precisely"),
    Stage.NEGOTIATE: N_("Negotiate with empathy"),
    Stage.ACT: N_("Carry out the solution"),
}
#: A sentence on each step, above its form.
STEP_HINTS: dict[Stage, str] = {
    Stage.LISTEN: N_("Listen fully and find the real demand behind what the customer asks for."),
    Stage.INVESTIGATE: N_("Collect the evidence and establish who is responsible."),
    Stage.DELIBERATE: N_("A recorded collegial decision for hard cases: who took part, the options, the decision."),
    Stage.ANALYSE: N_("A precise and complete analysis, with the rule or clause it rests on."),
    Stage.NEGOTIATE: N_("Talk with the customer with empathy; log every contact."),
    Stage.ACT: N_("Carry out the agreed solution; the resolution needs approval when money is involved."),
}

_STEP_STYLE = """
QPushButton#stepButton { border: 1px solid #b8c2cc; border-radius: 6px; background: #f4f6f8; padding: 2px; }
QPushButton#stepButton[state="done"] { background: #e6f2e8; border-color: #7fb08a; }
QPushButton#stepButton[state="current"] { background: #1f5fa8; border: 2px solid #123e70; }
QPushButton#stepButton[state="optional"] { border-style: dashed; background: #fafafa; }
QPushButton#stepButton:checked { border: 3px solid #e08a00; }
QPushButton#stepButton:focus { outline: none; border: 3px solid #e08a00; }
"""


def next_stage(current: Stage, deliberation_needed: bool) -> Stage | None:
    index = STAGE_ORDER.index(current)
    if index + 1 >= len(STAGE_ORDER):
        return None
    following = STAGE_ORDER[index + 1]
    if following is Stage.DELIBERATE and not deliberation_needed:
        return Stage.ANALYSE
    return following


def can_move(current: Stage | None, target: Stage, deliberation_needed: bool) -> bool:
    try:
        check_stage_move(current, target, deliberation_needed)
    except IllegalTransitionError:
        return False
    return current is not target


class StepButton(QPushButton):
    """One step of the bar: the character large, its caption below, and its state in words."""

    def __init__(self, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setObjectName("stepButton")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.char = QLabel(STAGE_CHARS[stage], self)
        self.char.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.state_label = QLabel(self)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label in (self.char, self.caption, self.state_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(6, 2, 6, 5)
        self._column.setSpacing(0)
        self._column.addWidget(self.char)
        self._column.addWidget(self.caption)
        self._column.addWidget(self.state_label)
        self.set_state("future", "")

    def sizeHint(self) -> QSize:  # the same width for every step: the bar shares its width equally
        return QSize(72, max(self._column.sizeHint().height(), 70))

    def minimumSizeHint(self) -> QSize:
        return QSize(72, 70)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:  # captions wrap on narrow screens and in long languages
        return max(70, self._column.totalHeightForWidth(width))

    def set_state(self, state: str, text: str) -> None:
        self.setProperty("state", state)
        current = state == "current"
        colour = "white" if current else ("#666" if state in ("future", "optional") else "#1d2b36")
        self.char.setStyleSheet(f"font-size: 18pt; font-weight: bold; color: {colour};")
        self.caption.setStyleSheet(f"color: {colour};")
        self.state_label.setStyleSheet(f"font-size: 8pt; color: {'#dfe9f5' if current else '#555'};"
                                       + (" font-style: italic;" if state == "optional" else ""))
        self.state_label.setText(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setAccessibleName(f"{STAGE_CHARS[self.stage]} {self.caption.text()} — {text}".strip(" —"))

    def retranslate(self) -> None:
        self.caption.setText(_(STEP_CAPTIONS[self.stage]))


class StageBar(QWidget):
    """听 → 查 → 议 → 析 → 谈 → 行: the current step highlighted, the selected one outlined."""

    sig_selected = Signal(object)  # Stage

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageBar")
        self.setStyleSheet(_STEP_STYLE)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[Stage, StepButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for index, stage in enumerate(STAGE_ORDER):
            if index:
                arrow = QLabel("→", self)
                arrow.setStyleSheet("color: #8a96a3; font-size: 14pt;")
                layout.addWidget(arrow)
            button = StepButton(stage, self)
            button.clicked.connect(lambda _checked=False, s=stage: self.sig_selected.emit(s))
            self.group.addButton(button)
            self.buttons[stage] = button
            layout.addWidget(button, 1)
        self._progress: tuple[Stage | None, Status, bool, set[Stage]] | None = None
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        for button in self.buttons.values():
            button.retranslate()
        if self._progress is not None:  # the states' words ("done", "current step") in the new language
            self.set_progress(*self._progress)
        self._equalise()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._equalise()

    def _equalise(self) -> None:
        """All steps as tall as the tallest (a caption may wrap to two lines)."""
        height = max(b.heightForWidth(max(b.width(), 72)) for b in self.buttons.values())
        for button in self.buttons.values():
            if button.height() != height or button.minimumHeight() != height:
                button.setFixedHeight(height)

    def select(self, stage: Stage) -> None:
        self.buttons[stage].setChecked(True)

    def selected(self) -> Stage:
        for stage, button in self.buttons.items():
            if button.isChecked():
                return stage
        return Stage.LISTEN

    def set_progress(self, current: Stage | None, status: Status, deliberation_needed: bool,
                     recorded: set[Stage]) -> None:
        self._progress = (current, status, deliberation_needed, recorded)
        past_act = status in (Status.RESPONDED, Status.AWAITING_CALLBACK, Status.CLOSED, Status.UNDER_REVIEW)
        cur = STAGE_ORDER.index(current) if current is not None else -1
        for index, (stage, button) in enumerate(self.buttons.items()):
            optional = stage is Stage.DELIBERATE and not deliberation_needed
            if current is not None and index == cur and status is Status.IN_PROGRESS:
                button.set_state("current", _("current step"))
            elif (current is not None and index < cur) or (past_act and stage in recorded):
                button.set_state("done", _("done") if stage in recorded else _("skipped") if optional else "")
            elif optional:
                button.set_state("optional", _("not required"))
            else:
                button.set_state("future", _("recorded") if stage in recorded else "")


class StageRecordForm(QWidget):
    """The record of one step: a text box per field (required ones marked *), Save and step moves.

    Typed text survives a reload: a field the user changed keeps the user's text (see ``set_values``).
    """

    sig_save = Signal(object)  # Stage
    sig_move = Signal(object)  # target Stage

    def __init__(self, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setObjectName(f"recordForm_{stage.value}")
        self._loaded: dict[str, str] = {}
        self.editors: dict[str, QPlainTextEdit] = {}
        self.captions: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(6)
        for row, spec in enumerate(STAGE_FIELDS[stage]):
            caption = QLabel(self)
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            caption.setMinimumWidth(120)
            caption.setMaximumWidth(170)
            editor = QPlainTextEdit(self)
            editor.setObjectName(f"field_{spec.key}")
            editor.setTabChangesFocus(True)
            editor.setMinimumHeight(56)
            editor.setMaximumHeight(110 if spec.required else 80)
            editor.textChanged.connect(self._update_dirty)
            caption.setBuddy(editor)
            grid.addWidget(caption, row, 0)
            grid.addWidget(editor, row, 1)
            self.editors[spec.key] = editor
            self.captions[spec.key] = caption
        self.state_label = QLabel(self)
        self.state_label.setObjectName("recordState")
        self.state_label.setWordWrap(True)
        self.error = InlineError(self)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveRecordButton")
        self.save_button.clicked.connect(lambda: self.sig_save.emit(self.stage))
        self.move_button = QPushButton(self)
        self.move_button.setObjectName("moveStageButton")
        self.move_button.clicked.connect(self._move_clicked)
        self.move_target: Stage | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.state_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.move_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self._editable = False
        self._state_text = ""

    def retranslate_ui(self) -> None:
        for spec in STAGE_FIELDS[self.stage]:
            self.captions[spec.key].setText(f"<b>{spec.label} *</b>" if spec.required else spec.label)
            self.editors[spec.key].setAccessibleName(
                spec.label + (" " + _("(required)") if spec.required else ""))
        self.save_button.setText(_("&Save record"))
        self._update_move_text()
        self._update_dirty()

    # -- values ------------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {key: editor.toPlainText().strip() for key, editor in self.editors.items()}

    def is_dirty(self) -> bool:
        return any(editor.toPlainText().strip() != self._loaded.get(key, "").strip()
                   for key, editor in self.editors.items())

    def set_values(self, values: dict[str, str]) -> None:
        """Show the stored record; a field the user has changed since the last load keeps its text."""
        for key, editor in self.editors.items():
            user_changed = editor.toPlainText().strip() != self._loaded.get(key, "").strip()
            if not user_changed:
                editor.blockSignals(True)
                editor.setPlainText(values.get(key, ""))
                editor.blockSignals(False)
        self._loaded = {key: values.get(key, "") for key in self.editors}
        self._update_dirty()

    def set_text(self, key: str, text: str) -> None:
        self.editors[key].setPlainText(text)

    def mark_missing(self, keys: set[str]) -> None:
        for key, editor in self.editors.items():
            editor.setStyleSheet("QPlainTextEdit { border: 2px solid #c0392b; }" if key in keys else "")

    # -- state -------------------------------------------------------------------------------------
    def configure(self, *, editable: bool, state_text: str, move_target: Stage | None, move_mode: str) -> None:
        """``move_mode``: "next" (from the current step), "back" (rework an earlier step) or "optional" (议)."""
        self._editable = editable
        for editor in self.editors.values():
            editor.setReadOnly(not editable)
        self.save_button.setEnabled(editable)
        self.save_button.setVisible(editable)
        self.move_target = move_target
        self._move_mode = move_mode
        self.move_button.setVisible(move_target is not None and editable)
        self._state_text = state_text
        self._update_move_text()
        self._update_dirty()

    def _update_move_text(self) -> None:
        if self.move_target is None:
            return
        mode = getattr(self, "_move_mode", "next")
        if mode == "next":
            self.move_button.setText(_("&Next step: {step} →").format(step=stage_title(self.move_target)))
        elif mode == "back":
            self.move_button.setText(_("&Go back to this step"))
        else:
            self.move_button.setText(_("&Do this step"))

    def _move_clicked(self) -> None:
        if self.move_target is not None:
            self.sig_move.emit(self.move_target)

    def _update_dirty(self) -> None:
        text = self._state_text
        if self._editable and self.is_dirty():
            text = (text + " · " if text else "") + _("unsaved changes")
        self.state_label.setText(text)


class StagePanel(QWidget):
    """The step bar and, below it, the selected step's page (form, contact log, resolution, callback)."""

    sig_save = Signal(object)  # Stage
    sig_move = Signal(object)  # target Stage

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stagePanel")
        self.bar = StageBar(self)
        self.bar.sig_selected.connect(self.show_stage)
        self.title = QLabel(self)
        self.title.setObjectName("stageTitle")
        self.title.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #444;")
        self.forms: dict[Stage, StageRecordForm] = {}
        self.pages = QStackedWidget(self)
        self.contacts = ContactLogBox(tz)
        self.resolution = ResolutionBox(tz)
        self.callbacks = CallbackBox(tz)
        for stage in STAGE_ORDER:
            form = StageRecordForm(stage)
            form.sig_save.connect(self.sig_save.emit)
            form.sig_move.connect(self.sig_move.emit)
            self.forms[stage] = form
            page = QWidget()
            column = QVBoxLayout(page)
            column.setContentsMargins(0, 0, 6, 0)
            column.addWidget(form)
            if stage is Stage.NEGOTIATE:
                column.addWidget(self.contacts)
            if stage is Stage.ACT:
                column.addWidget(self.resolution)
                column.addWidget(self.callbacks)
            column.addStretch(1)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.pages.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.pages, 1)
        self._file: CaseFile | None = None
        self.bar.select(Stage.LISTEN)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.bar.retranslate_ui()
        for form in self.forms.values():
            form.retranslate_ui()
        self.contacts.retranslate_ui()
        self.resolution.retranslate_ui()
        self.callbacks.retranslate_ui()
        self._update_title()
        if self._file is not None:
            self._configure_forms()

    def selected(self) -> Stage:
        return self.bar.selected()

    def show_stage(self, stage: Stage) -> None:
        self.bar.select(stage)
        self.pages.setCurrentIndex(STAGE_ORDER.index(stage))
        self._update_title()

    def _update_title(self) -> None:
        stage = self.selected()
        self.title.setText(STAGE_CHARS[stage] + " · " + _(STEP_CAPTIONS[stage]))
        text = _(STEP_HINTS[stage])
        if stage is Stage.DELIBERATE and self._file is not None and not self._file.detail.deliberation_required:
            text += " " + _("Not required for this case (general severity, no special flag, claim below "
                            "10,000 yuan): it may be skipped.")
        self.hint.setText(text)

    def set_case(self, file: CaseFile, perms: Permissions) -> None:
        """Show ``file``; on the first call (or when the step moved) select the step to work on."""
        previous = self._file
        self._file = file
        self._perms = perms
        detail = file.detail
        recorded = {s for s, values in file.stage_records.items() if any(v.strip() for v in values.values())}
        self.bar.set_progress(detail.stage, detail.status, detail.deliberation_required, recorded)
        for stage, form in self.forms.items():
            form.set_values(file.stage_records.get(stage, {}))
        self._configure_forms()
        self.contacts.set_contacts(file.contacts, perms.handle)
        self.resolution.set_resolutions(file.resolutions, perms)
        self.callbacks.set_callbacks(file.callbacks, perms.callback)
        moved = previous is None or previous.detail.stage is not detail.stage \
            or previous.detail.status is not detail.status
        if moved:
            self.show_stage(self.default_stage())
            if previous is not None and detail.status is Status.IN_PROGRESS and perms.handle:
                QTimer.singleShot(0, self, self._focus_first_field)
        else:
            self._update_title()

    def _focus_first_field(self) -> None:
        """After the step moved (Start, Next step, Go back), the keyboard goes to the first field of the step
        now shown, unless the user is typing in another text field meanwhile. (Focus set while the dialog
        that moved the step is still open is where the window's focus returns when it closes.)"""
        form = self.forms[self.selected()]
        editor = next(iter(form.editors.values()), None)
        if editor is None or editor.isReadOnly():
            return
        focus = self.window().focusWidget()
        typing_elsewhere = isinstance(focus, QLineEdit | QPlainTextEdit | QTextEdit) and focus.isVisible() \
            and not self.isAncestorOf(focus)
        if not typing_elsewhere:
            editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def default_stage(self) -> Stage:
        assert self._file is not None
        detail = self._file.detail
        if detail.status in (Status.RESPONDED, Status.AWAITING_CALLBACK, Status.CLOSED):
            return Stage.ACT
        return detail.stage or Stage.LISTEN

    def _configure_forms(self) -> None:
        assert self._file is not None
        detail, perms = self._file.detail, self._perms
        current = detail.stage
        in_progress = detail.status is Status.IN_PROGRESS
        cur = STAGE_ORDER.index(current) if current is not None else -1
        for index, (stage, form) in enumerate(self.forms.items()):
            reached = in_progress and index <= cur
            editable = perms.handle and reached
            target: Stage | None = None
            mode = "next"
            if in_progress and current is not None:
                if stage is current:
                    target = next_stage(current, detail.deliberation_required)
                elif index < cur:
                    target, mode = stage, "back"
                elif stage is Stage.DELIBERATE and can_move(current, stage, detail.deliberation_required):
                    target, mode = stage, "optional"
                    editable = perms.handle
            if detail.status in (Status.REGISTERED, Status.ASSIGNED):
                state = _("The steps are recorded while the case is in progress")
            elif detail.status is not Status.IN_PROGRESS:
                state = _("Read only: the case is {status}").format(status=detail.status.label)
            elif stage is current:
                state = _("Current step")
            elif index < cur:
                state = _("Done; you may correct the record")
            elif target is not None:
                state = _("Optional step")
            else:
                state = _("Not reached yet")
            form.configure(editable=editable, state_text=state, move_target=target, move_mode=mode)

    def show_error(self, stage: Stage, message: str, missing: set[str] | None = None) -> None:
        form = self.forms[stage]
        form.error.show_message(message)
        form.mark_missing(missing or set())

    def clear_errors(self) -> None:
        for form in self.forms.values():
            form.error.clear()
            form.mark_missing(set())
