"""The quality-inspection page: an inspector draws the month's sample (size per handler, seed) and scores each
case on the scorecard with a comment; a handler sees the scores and comments on their own cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services import quality
from desk_app.services.quality import SampleInfo, Scorecard
from ui import icons
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.page import Page
from ui.tables import readonly_table
from ui.tasks import run_call


def last_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


class ScoreDialog(QDialog):
    """One spin box per criterion (0 … its weight) and a comment."""

    def __init__(self, card: Scorecard, sample: SampleInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreDialog")
        self.setWindowTitle(_("Score case {number}").format(number=sample.case_number))
        form = QFormLayout()
        self.spins: dict[str, QSpinBox] = {}
        for criterion in card.criteria:
            spin = QSpinBox(self)
            spin.setRange(0, criterion.weight)
            spin.setValue(sample.scores.get(criterion.code, criterion.weight))
            spin.setSuffix(f" / {criterion.weight}")
            label = QLabel(criterion.name, self)
            label.setBuddy(spin)
            form.addRow(label, spin)
            self.spins[criterion.code] = spin
        self.comment = QPlainTextEdit(sample.comment, self)
        self.comment.setTabChangesFocus(True)
        comment_label = QLabel(_("Co&mment"), self)
        comment_label.setBuddy(self.comment)
        form.addRow(comment_label, self.comment)
        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("{handler} · case {number}").format(handler=sample.handler_name,
                                                                       number=sample.case_number), self))
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def scores(self) -> dict[str, int]:
        return {code: spin.value() for code, spin in self.spins.items()}


class QualityPage(Page):
    COLUMNS = 7

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qualityPage")
        self.ctx, self.actor = ctx, actor
        self.inspector = has_permission(actor.role, Permission.INSPECT_QUALITY)
        self.rows: list[SampleInfo] = []
        self.card: Scorecard | None = None
        self.loaded = False
        self.dialog: ScoreDialog | None = None
        today = datetime.now(ctx.office_tz).date()
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.month = QLineEdit(last_month(today), self)
        self.month.setInputMask("9999-99")
        self.per_handler = QSpinBox(self)
        self.per_handler.setRange(1, quality.MAX_SAMPLE)
        self.per_handler.setValue(3)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 999_999)
        self.seed.setValue(int(self.month.text().replace("-", "")) % 1_000_000)
        self.labels = [QLabel(self) for _i in range(3)]
        for label, field in zip(self.labels, (self.month, self.per_handler, self.seed), strict=True):
            label.setBuddy(field)
        self.draw_button = QPushButton(self)
        self.draw_button.clicked.connect(self.draw)
        self.show_button = QPushButton(self)
        self.show_button.clicked.connect(self.refresh)
        self.score_button = QPushButton(self)
        self.score_button.clicked.connect(self.score_selected)
        self.error = InlineError(self)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("qualityTable")
        readonly_table(self.table, fit_columns=False)
        self.table.currentCellChanged.connect(lambda *_cells: self._update_buttons())
        controls = QHBoxLayout()
        for label, field in zip(self.labels, (self.month, self.per_handler, self.seed), strict=True):
            controls.addWidget(label)
            controls.addWidget(field)
        for button in (self.show_button, self.draw_button, self.score_button):
            controls.addWidget(button)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        if self.inspector:
            layout.addLayout(controls)
        else:
            hidden: list[QWidget] = [*self.labels, self.month, self.per_handler, self.seed, self.draw_button,
                                     self.show_button, self.score_button]
            for widget in hidden:
                widget.hide()
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()

    def nav_title(self) -> str:
        return _("Quality inspection")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.AUDIT)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Quality inspection (质检)") if self.inspector else _("My quality results (质检)"))
        for label, text in zip(self.labels, (_("&Month"), _("Cases per ha&ndler"), _("See&d")), strict=True):
            label.setText(text)
        self.draw_button.setText(_("Dra&w sample"))
        self.show_button.setText(_("&Show"))
        self.score_button.setText(_("Sc&ore…"))
        self.table.setHorizontalHeaderLabels([_("Month"), _("Handler"), _("Case"), _("Closed"), _("Score"),
                                              _("Inspector"), _("Comment")])
        self._fill()

    def refresh(self) -> None:
        ctx, actor, month, inspector = self.ctx, self.actor, self.month.text(), self.inspector

        def work() -> tuple[Scorecard, list[SampleInfo]]:
            card = ctx.backend.read(quality.scorecard)
            if inspector:
                return card, ctx.backend.call(actor, quality.list_samples, month)
            return card, ctx.backend.call(actor, quality.my_results)

        self._run(work)

    def draw(self) -> None:
        ctx, actor = self.ctx, self.actor
        month, size, seed = self.month.text(), self.per_handler.value(), self.seed.value()
        self._run(lambda: (ctx.backend.read(quality.scorecard),
                           ctx.backend.call(actor, quality.draw_sample, month, size, seed)))

    def _run(self, work: Callable[[], tuple[Scorecard, list[SampleInfo]]]) -> None:
        def done(result: tuple[Scorecard, list[SampleInfo]]) -> None:
            self.card, self.rows = result
            self.loaded = True
            self._fill()

        def failed(exc: BaseException) -> None:
            self.loaded = True
            if isinstance(exc, UserError):
                self.error.show_message(str(exc))
            else:
                show_error(self, exc)

        self.error.clear()
        run_call(self, work, done, failed)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for r, s in enumerate(self.rows):
            closed = s.closed_at.astimezone(self.ctx.office_tz).strftime("%Y-%m-%d") if s.closed_at else ""
            texts = (s.month, s.handler_name, s.case_number, closed,
                     _("not scored") if s.total is None else f"{s.total} / 100", s.inspector_name, s.comment)
            for c, text in enumerate(texts):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> SampleInfo | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _update_buttons(self) -> None:
        self.score_button.setEnabled(self.inspector and self.selected() is not None and self.card is not None)

    def score_selected(self) -> ScoreDialog | None:
        sample, card = self.selected(), self.card
        if sample is None or card is None:
            return None
        dialog = ScoreDialog(card, sample, self)
        self.dialog = dialog
        ctx, actor = self.ctx, self.actor

        def finished(result: int) -> None:
            self.dialog = None
            if result != QDialog.DialogCode.Accepted:
                return
            scores, comment = dialog.scores(), dialog.comment.toPlainText()

            def work() -> tuple[Scorecard, list[SampleInfo]]:
                ctx.backend.call(actor, quality.score_sample, sample.id, sample.version, scores, comment)
                return card, ctx.backend.call(actor, quality.list_samples, sample.month)

            self._run(work)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog
