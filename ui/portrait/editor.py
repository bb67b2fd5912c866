"""The complainant portrait editor (投诉人画像): six ratings with their level descriptions and notes, the
psychological types with their strategy card, a live radar chart, Save, and the emotion/risk trend."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType, Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.portrait import DIMENSIONS, LEVELS, MAX_NOTE_LENGTH, STRATEGY_CARDS, Dimension, PortraitInput
from desk_app.domain.risk import suggests_escalation
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.i18n import _, current_language
from desk_app.services.complaints import get_complaint
from desk_app.services.portraits import PortraitInfo, TrendPoint, portrait_history, save_portrait, trend
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.portrait.charts import RadarChart, TrendChart
from ui.tasks import run_call

DEFAULT_RATING = 3


@dataclass(frozen=True)
class _Loaded:
    customer_id: uuid.UUID
    editable: bool
    history: list[PortraitInfo]
    trend: list[TrendPoint]


class _DimensionRow:
    """The controls of one dimension: name, 1–5 slider, value, level description, note."""

    def __init__(self, parent: QWidget, dimension: Dimension) -> None:
        self.dimension = dimension
        self.label = QLabel(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.slider.setObjectName(f"rating_{dimension.value}")
        self.slider.setRange(min(LEVELS), max(LEVELS))
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setValue(DEFAULT_RATING)
        self.slider.setMinimumWidth(110)
        self.label.setBuddy(self.slider)
        self.value = QLabel(parent)
        self.value.setMinimumWidth(16)
        self.level = QLabel(parent)
        self.level.setObjectName(f"level_{dimension.value}")
        self.level.setWordWrap(True)
        self.note = QLineEdit(parent)
        self.note.setObjectName(f"note_{dimension.value}")
        self.note.setMaxLength(MAX_NOTE_LENGTH)

    def retranslate(self, number: int) -> None:
        info = DIMENSIONS[self.dimension]
        self.label.setText(f"&{number} {info.name.text()}")
        self.label.setToolTip(info.decides.text())
        self.slider.setAccessibleName(info.name.text())
        self.slider.setAccessibleDescription(info.decides.text())
        self.note.setPlaceholderText(_("Note on {dimension}").format(dimension=info.name.text()))
        self.note.setAccessibleName(_("Note on {dimension}").format(dimension=info.name.text()))
        self.update_level()

    def update_level(self) -> None:
        value = self.slider.value()
        self.value.setText(str(value))
        self.level.setText(DIMENSIONS[self.dimension].level(value).text())


def card_html(primary: PsychType | None, secondary: PsychType | None) -> str:
    """The strategy card of the primary type (and the secondary's sentence) as rich text."""
    if primary is None:
        return html.escape(_("Choose the customer's psychological type to see the strategy card."))
    card = STRATEGY_CARDS[primary]
    esc = html.escape
    sep = "；" if current_language().startswith("zh") else "; "
    strategy, do, avoid = esc(_("Strategy")), esc(_("Do")), esc(_("Avoid"))
    words, secondary_label = esc(_("Suggested words")), esc(_("Secondary"))
    parts = [f"<b>{esc(card.name.text())}</b>　{esc(card.inner_sentence.text())}",
             f"{strategy}: {esc(card.summary.text())}",
             f"<b>{do}</b>: " + sep.join(esc(d.text()) for d in card.do),
             f"<b>{avoid}</b>: " + sep.join(esc(a.text()) for a in card.avoid),
             f"<b>{words}</b>: " + " ".join(f"“{esc(p.text())}”" for p in card.phrases)]
    if secondary is not None:
        other = STRATEGY_CARDS[secondary]
        parts.append(f"<b>{secondary_label}: {esc(other.name.text())}</b>　{esc(other.inner_sentence.text())}"
                     f" — {esc(other.summary.text())}")
    return "<br/>".join(parts)


class PortraitEditor(Retranslating, QWidget):
    """Rate and save the portrait of one case; ``sig_saved`` carries the saved PortraitInfo."""

    sig_saved = Signal(object)
    sig_loaded = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None,
                 *, load: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("portraitEditor")
        self._ctx = ctx
        self._actor = actor
        self.complaint_id = complaint_id
        self.customer_id: uuid.UUID | None = None
        self.history: list[PortraitInfo] = []
        self.version_no = 0
        self._editable = has_permission(actor.role, Permission.EDIT_CASE)
        self._busy = False

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.status = QLabel(self)
        self.status.setObjectName("portraitStatus")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.status, 1)

        self.rows = {d: _DimensionRow(self, d) for d in Dimension}
        self.ratings_box = QGroupBox(self)
        grid = QGridLayout(self.ratings_box)
        grid.setColumnStretch(3, 1)
        for index, row in enumerate(self.rows.values()):
            grid.addWidget(row.label, index * 2, 0)
            grid.addWidget(row.slider, index * 2, 1)
            grid.addWidget(row.value, index * 2, 2)
            grid.addWidget(row.level, index * 2, 3)
            grid.addWidget(row.note, index * 2 + 1, 1, 1, 3)
            row.slider.valueChanged.connect(lambda _v, r=row: self._rating_changed(r))

        self.primary_label = QLabel(self)
        self.primary = QComboBox(self)
        self.primary.setObjectName("primaryType")
        self.primary_label.setBuddy(self.primary)
        self.secondary_label = QLabel(self)
        self.secondary = QComboBox(self)
        self.secondary.setObjectName("secondaryType")
        self.secondary_label.setBuddy(self.secondary)
        for combo in (self.primary, self.secondary):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
            combo.addItem("", None)
            for psych_type in PsychType:
                combo.addItem("", psych_type.value)
            combo.currentIndexChanged.connect(self._types_changed)
        types = QHBoxLayout()
        types.addWidget(self.primary_label)
        types.addWidget(self.primary, 1)
        types.addSpacing(12)
        types.addWidget(self.secondary_label)
        types.addWidget(self.secondary, 1)
        self.card = QLabel(self)
        self.card.setObjectName("strategyCard")
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.RichText)
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setStyleSheet("QLabel#strategyCard { background: #eef1f5; padding: 6px; }")
        self.card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.escalation = QLabel(self)
        self.escalation.setObjectName("escalationHint")
        self.escalation.setWordWrap(True)
        self.escalation.setStyleSheet("color: #a61b1b; font-weight: bold;")
        self.escalation.hide()
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("savePortrait")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.escalation, 1)
        buttons.addWidget(self.save_button)

        self.radar = RadarChart(self)
        self.trend_chart = TrendChart(self)
        left = QVBoxLayout()
        left.addWidget(self.ratings_box)
        left.addLayout(types)
        left.addWidget(self.card)
        left.addLayout(buttons)
        left.addStretch(1)
        self.radar.setMinimumSize(340, 300)
        self.trend_chart.setMinimumWidth(340)
        right = QVBoxLayout()
        right.addWidget(self.radar, 3)
        right.addWidget(self.trend_chart, 2)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(body, 1)

        self.retranslate_ui()
        self._update_radar()
        self._update_enabled()
        if load:
            self.refresh()

    # -- texts -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.title.setText(_("Complainant portrait"))
        self.ratings_box.setTitle(_("Six dimensions (1–5)"))
        for number, row in enumerate(self.rows.values(), 1):
            row.retranslate(number)
        self.primary_label.setText(_("&Primary type"))
        self.secondary_label.setText(_("Secondar&y type"))
        for combo in (self.primary, self.secondary):
            combo.setItemText(0, _("— not judged —"))
            for index, psych_type in enumerate(PsychType, 1):
                card = STRATEGY_CARDS[psych_type]
                combo.setItemText(index, f"{card.name.text()}　{card.inner_sentence.text()}")
        self.primary.setAccessibleName(_("Primary psychological type"))
        self.secondary.setAccessibleName(_("Secondary psychological type"))
        self.save_button.setText(_("Save p&ortrait"))
        self.escalation.setText(_("Risk rated 4 or 5: escalate to a supervisor and check the special flags."))
        self.card.setText(card_html(self.primary_type(), self.secondary_type()))
        self.radar.retranslate_ui()
        self.trend_chart.retranslate_ui()
        self._update_status()

    # -- values ------------------------------------------------------------------------------------
    def primary_type(self) -> PsychType | None:
        value = self.primary.currentData()
        return PsychType(value) if value else None

    def secondary_type(self) -> PsychType | None:
        value = self.secondary.currentData()
        return PsychType(value) if value else None

    def values(self) -> PortraitInput:
        ratings = {d.value: row.slider.value() for d, row in self.rows.items()}
        notes = {d.value: row.note.text().strip() for d, row in self.rows.items() if row.note.text().strip()}
        return PortraitInput(**ratings, notes=notes, primary_type=self.primary_type(),
                             secondary_type=self.secondary_type())

    def set_values(self, data: PortraitInput) -> None:
        for dimension, row in self.rows.items():
            row.slider.setValue(getattr(data, dimension.value))
            row.note.setText((data.notes or {}).get(dimension.value, ""))
        for combo, value in ((self.primary, data.primary_type), (self.secondary, data.secondary_type)):
            combo.setCurrentIndex(max(0, combo.findData(value.value if value else None)))

    def rating(self, dimension: Dimension) -> int:
        return self.rows[dimension].slider.value()

    def set_rating(self, dimension: Dimension, value: int) -> None:
        self.rows[dimension].slider.setValue(value)

    def radar_values(self) -> list[float]:
        return self.radar.current_values()

    def trend_values(self) -> dict[str, list[float]]:
        return self.trend_chart.values()

    def _rating_changed(self, row: _DimensionRow) -> None:
        row.update_level()
        self._update_radar()

    def _types_changed(self) -> None:
        self.card.setText(card_html(self.primary_type(), self.secondary_type()))

    def _update_radar(self) -> None:
        self.radar.set_current([float(row.slider.value()) for row in self.rows.values()])
        self.escalation.setVisible(suggests_escalation(self.rows[Dimension.RISK].slider.value()))

    def _update_enabled(self) -> None:
        self.save_button.setEnabled(self._editable and not self._busy)
        for row in self.rows.values():
            row.slider.setEnabled(self._editable)
            row.note.setReadOnly(not self._editable)
        self.primary.setEnabled(self._editable)
        self.secondary.setEnabled(self._editable)

    def _update_status(self) -> None:
        if not self.history:
            self.status.setText(_("No portrait saved yet."))
            return
        last = self.history[-1]
        when = last.created_at.astimezone(self._ctx.office_tz).strftime("%Y-%m-%d %H:%M")
        self.status.setText(_("Version {n}, saved by {who} at {when}").format(n=last.version_no, who=last.created_by,
                                                                             when=when))

    # -- loading and saving ------------------------------------------------------------------------
    def refresh(self) -> None:
        backend, actor, complaint_id = self._ctx.backend, self._actor, self.complaint_id

        def work() -> _Loaded:
            detail = backend.call(actor, get_complaint, complaint_id, with_events=False)
            editable = Status(detail.status) not in FINISHED_STATES
            history = backend.call(actor, portrait_history, complaint_id)
            return _Loaded(detail.customer.id, editable, history,
                           backend.call(actor, trend, detail.customer.id, complaint_id=complaint_id))

        run_call(self, work, self._loaded, self._failed)

    def _loaded(self, result: _Loaded) -> None:
        first_load = self.customer_id is None
        self.customer_id = result.customer_id
        self._editable = has_permission(self._actor.role, Permission.EDIT_CASE) and result.editable
        self.history = result.history
        self.version_no = result.history[-1].version_no if result.history else 0
        if first_load and result.history:
            self.set_values(result.history[-1].as_input())
        self.radar.set_saved([float(v) for v in result.history[-1].ratings.values()] if result.history else None)
        self.trend_chart.set_points(result.trend)
        self._update_status()
        self._update_enabled()
        self.sig_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_enabled()
        show_error(self, exc)

    def save(self) -> None:
        if self._busy or not self._editable:
            return
        self._busy = True
        self._update_enabled()
        backend, actor, complaint_id, data, based_on = (self._ctx.backend, self._actor, self.complaint_id,
                                                        self.values(), self.version_no)

        def work() -> PortraitInfo:
            return backend.call(actor, save_portrait, complaint_id, data, based_on=based_on)

        run_call(self, work, self._saved, self._failed)

    def _saved(self, result: PortraitInfo) -> None:
        self._busy = False
        self.version_no = result.version_no
        self.history = [*self.history, result]
        self._update_status()
        self._update_enabled()
        self.sig_saved.emit(result)
        self.refresh()
