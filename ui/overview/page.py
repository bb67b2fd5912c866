"""The Overview page: tiles with the case counts, the work queues (cases to assign and overdue cases for
supervisors; the cases a handler may take), the approver's queue (approvers only) and a table of the most
urgent open cases. Each list opens a case by Enter or a double-click."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from desk_app.services.branches import set_handlers_may_take
from desk_app.services.overview import (
    DUE_SOON_DAYS,
    QUEUE_COUNT_CAP,
    Overview,
    case_overview,
    watches_overdue,
)
from ui import icons
from ui.context import AppContext
from ui.errors import show_error
from ui.overview.approvals import ApprovalQueue, is_approver
from ui.overview.model import UrgentCaseModel
from ui.overview.queues import CaseQueue, TakeRuleBox, shows_assign_queue
from ui.page import Page
from ui.rows_model import on_activated
from ui.tables import row_table
from ui.tasks import run_call

#: Narrower than this, the status tiles take two rows.
NARROW = 1000
#: Lifecycle order of the status tiles.
STATUS_ORDER = (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESPONDED,
                Status.AWAITING_CALLBACK, Status.UNDER_REVIEW, Status.CLOSED, Status.REFUSED,
                Status.WITHDRAWN)


class Tile(QFrame):
    """A count with its caption (and an icon for the alarming ones)."""

    def __init__(self, key: str, icon: QIcon | None = None, parent: QWidget | None = None, *,
                 large: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName(f"tile_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.number = QLabel("–", self)
        self.number.setObjectName("tileNumber")
        self.number.setStyleSheet(f"font-size: {20 if large else 14}pt; font-weight: bold;")
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        top = QHBoxLayout()
        top.setSpacing(6)
        if icon is not None:
            badge = QLabel(self)
            badge.setPixmap(icon.pixmap(QSize(24, 24)))
            top.addWidget(badge)
        top.addWidget(self.number)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.caption)

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self._update_accessible()

    def set_value(self, value: int | None) -> None:
        self.number.setText("–" if value is None else str(value))
        self._update_accessible()

    def _update_accessible(self) -> None:
        self.setAccessibleName(f"{self.caption.text()}: {self.number.text()}")


class OverviewPage(Page):
    sig_open_case_number = Signal(str)  # double-click or Enter on an urgent case

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewPage")
        self._ctx = ctx
        self._actor = actor
        self.overview: Overview | None = None
        self._loading = False
        self._again = False  # a refresh was asked for while one was under way

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.scope = QLabel(self)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.scope, 1)
        header.addWidget(self.refresh_button)

        self.open_tile = Tile("open", large=True)
        self.overdue_tile = Tile("overdue", icons.icon(icons.OVERDUE), large=True)
        self.due_soon_tile = Tile("due_soon", icons.icon(icons.DUE_SOON), large=True)
        key_tiles = QHBoxLayout()
        for tile in (self.open_tile, self.overdue_tile, self.due_soon_tile):
            key_tiles.addWidget(tile, 1)
        self.mine_label = QLabel(self)
        self.mine_label.setStyleSheet("font-weight: bold;")
        self.mine_tiles = {"open": Tile("mine_open"), "due_today": Tile("mine_due_today", icons.icon(icons.DUE_SOON)),
                           "overdue": Tile("mine_overdue", icons.icon(icons.OVERDUE)),
                           "awaiting_callback": Tile("mine_awaiting_callback")}
        mine_tiles = QHBoxLayout()
        for tile in self.mine_tiles.values():
            mine_tiles.addWidget(tile, 1)
        self.to_assign = CaseQueue("assignQueue", ctx.office_tz, self)
        self.to_assign.hide()
        self.to_assign.sig_open_case_number.connect(self.sig_open_case_number)
        self.take_rule = TakeRuleBox(self.to_assign)
        self.take_rule.setVisible(has_permission(actor.role, Permission.ASSIGN))
        self.take_rule.sig_toggled_by_user.connect(self._set_take_rule)
        self.to_assign.header.addWidget(self.take_rule)
        self.overdue_queue = CaseQueue("overdueQueue", ctx.office_tz, self)
        self.overdue_queue.setVisible(watches_overdue(actor))
        self.overdue_queue.sig_open_case_number.connect(self.sig_open_case_number)
        self.approvals = ApprovalQueue(ctx, actor, self)
        self.approvals.setVisible(is_approver(actor))
        self.approvals.sig_decided.connect(self.refresh)
        self.approvals.sig_open_case_number.connect(self.sig_open_case_number)
        self.status_tiles = {status: Tile(status.value) for status in STATUS_ORDER}
        self.status_label = QLabel(self)
        self.status_label.setStyleSheet("font-weight: bold;")
        self.status_grid = status_tiles = QGridLayout()
        status_tiles.setSpacing(6)
        self._tile_columns = 0
        self._place_status_tiles(len(self.status_tiles))

        self.urgent_label = QLabel(self)
        self.urgent_label.setStyleSheet("font-weight: bold;")
        self.model = UrgentCaseModel(ctx.office_tz)
        self.table = row_table(self, "urgentTable", self.model)
        self.urgent_label.setBuddy(self.table)
        on_activated(self.table, self.model, lambda case: self.sig_open_case_number.emit(case.case_number))
        self.empty_label = QLabel(self)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(key_tiles)
        layout.addSpacing(4)
        layout.addWidget(self.mine_label)
        layout.addLayout(mine_tiles)
        layout.addWidget(self.to_assign)
        layout.addWidget(self.approvals)
        layout.addWidget(self.overdue_queue)
        layout.addSpacing(4)
        layout.addWidget(self.status_label)
        layout.addLayout(status_tiles)
        layout.addSpacing(8)
        layout.addWidget(self.urgent_label)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()

    def nav_title(self) -> str:
        return _("Overview")

    def _place_status_tiles(self, columns: int) -> None:
        """All status tiles in one row, or in two on a narrow window (a 1366 px screen at 150 %)."""
        if columns == self._tile_columns:
            return
        self._tile_columns = columns
        for index, tile in enumerate(self.status_tiles.values()):
            self.status_grid.addWidget(tile, index // columns, index % columns)
        for column in range(len(self.status_tiles)):
            self.status_grid.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        count = len(self.status_tiles)
        self._place_status_tiles(count if event.size().width() >= NARROW else (count + 1) // 2)

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.OVERVIEW)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Overview"))
        self._update_scope()
        self.refresh_button.setText(_("&Refresh"))
        self.open_tile.set_caption(_("Open cases"))
        self.overdue_tile.set_caption(_("Overdue"))
        self.due_soon_tile.set_caption(_("Due within {n} days").format(n=DUE_SOON_DAYS))
        self.status_label.setText(_("Cases by status"))
        self.mine_label.setText(_("My cases"))
        for key, caption in (("open", _("Open, owned by me")), ("due_today", _("Due today")),
                             ("overdue", _("Overdue")), ("awaiting_callback", _("Awaiting callback"))):
            self.mine_tiles[key].set_caption(caption)
        for status, tile in self.status_tiles.items():
            tile.set_caption(status.label)
        self.urgent_label.setText(_("&Most urgent open cases"))
        self.table.setAccessibleName(_("Most urgent open cases"))
        self.empty_label.setText(_("No open case has a running deadline."))
        self.model.retranslate()
        self.approvals.retranslate_ui()
        self._retranslate_queues()

    def _retranslate_queues(self) -> None:
        if has_permission(self._actor.role, Permission.ASSIGN):
            self.to_assign.set_texts(lambda n: _("Cases to a&ssign ({n})").format(n=n), _("Cases to assign"),
                                     _("Every open case has a handler."))
        else:
            self.to_assign.set_texts(lambda n: _("Cases you may ta&ke ({n})").format(n=n),
                                     _("Cases you may take"), _("No case waits for a handler."))
        self.take_rule.setText(_("Han&dlers may take these cases themselves"))
        self.take_rule.setToolTip(_("When on, a handler of the branch takes an unassigned case with "
                                    "'Take this case'; when off, a supervisor assigns every case."))
        self.overdue_queue.set_texts(lambda n: _("&Overdue cases ({n})").format(n=n), _("Overdue cases"),
                                     _("No case is overdue."))

    def _set_take_rule(self, allowed: bool) -> None:
        """The supervisor changes the branch's rule (audited); the overview is read again afterwards."""
        backend, actor = self._ctx.backend, self._actor

        def failed(exc: BaseException) -> None:
            self.take_rule.setChecked(not allowed)
            show_error(self, exc)

        run_call(self, lambda: backend.call(actor, set_handlers_may_take, allowed), lambda _r: self.refresh(),
                 failed)

    def _update_scope(self) -> None:
        if self.overview is None:
            text = _("Loading…")
        elif self.overview.all_branches:
            text = _("All branches, as of {date}").format(date=self.overview.today.isoformat())
        else:
            text = _("Branch {code}, as of {date}").format(code=self._actor.branch_code,
                                                            date=self.overview.today.isoformat())
        self.scope.setText(text)

    def today(self) -> date:
        return datetime.now(self._ctx.office_tz).date()

    def refresh(self) -> None:
        """Read the figures again. Asked while a read is under way (an approval decided meanwhile), it reads
        once more after that one, so the page never stays at the state before the change."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._again = False
        backend, actor, today = self._ctx.backend, self._actor, self.today()

        run_call(self, lambda: backend.call(actor, case_overview, today), self._loaded, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        show_error(self, exc)

    def _loaded(self, result: Overview) -> None:
        self._loading = False
        self.set_overview(result)
        if self._again:
            self.refresh()

    def set_overview(self, overview: Overview) -> None:
        self.overview = overview
        self.open_tile.set_value(overview.open)
        self.overdue_tile.set_value(overview.overdue)
        self.due_soon_tile.set_value(overview.due_soon)
        for status, tile in self.status_tiles.items():
            tile.set_value(overview.counts.get(status, 0))
        for key, tile in self.mine_tiles.items():
            tile.set_value(getattr(overview.mine, key))
        self.model.set_rows(overview.urgent)
        self.approvals.set_rows(overview.approvals)
        queues = overview.queues
        self.to_assign.setVisible(shows_assign_queue(self._actor, queues.handlers_may_take))
        self.to_assign.set_rows(queues.to_assign, queues.to_assign_count,
                                capped=queues.to_assign_count >= QUEUE_COUNT_CAP)
        self.take_rule.setChecked(queues.handlers_may_take)
        self.overdue_queue.set_rows(queues.overdue, overview.overdue)
        self.empty_label.setVisible(not overview.urgent)
        self._update_scope()
