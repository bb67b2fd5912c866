"""The "Links and merges" tab of a case view (its linked cases): the cases linked with this one and the merges
(this case merged into its main case, or duplicates merged into it), with each other case's number and status.
Enter or a double-click on a row opens that case; "Unlink" removes a link (a merge stays). The view's More actions
offer "Link or merge…" and "Record an opportunity…" (``attach_links``)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTableWidget, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.i18n import N_, _
from desk_app.services import case_links
from desk_app.services.case_links import LinkedCase, MergeDirection, Relation
from ui.cases.action_dialogs import ActionDialog, Answers
from ui.cases.case_view import CaseView
from ui.cases.link_dialog import choice_of, link_dialog
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.tables import fill_texts, readonly_table
from ui.tasks import run_call


def _relation(row: LinkedCase) -> str:
    if row.relation is Relation.MERGED_INTO:
        return _("This case was merged into it (its main case)")
    if row.relation is Relation.MERGED_FROM:
        return _("Merged into this case (a duplicate)")
    return row.kind.label if row.kind is not None else ""


class LinksPanel(Retranslating, QWidget):
    """The linked and merged cases of one case; ``sig_open_case(case id)`` on Enter or a double-click."""

    sig_open_case = Signal(object)
    sig_changed = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linksPanel")
        self.ctx, self.actor, self.complaint_id = ctx, actor, complaint_id
        self.rows: list[LinkedCase] = []
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #666;")
        self.table = readonly_table(QTableWidget(0, 4, self), wrap=True)
        self.table.setObjectName("linksTable")
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.unlink_button = QPushButton(self)
        self.unlink_button.setObjectName("unlinkButton")
        self.unlink_button.clicked.connect(self.unlink)
        self.unlink_button.setVisible(has_permission(actor.role, Permission.EDIT_CASE))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlink_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.retranslate_ui()
        self._update_buttons()

    def retranslate_ui(self) -> None:
        self.empty_label.setText(_("No linked cases. More actions ▸ Link or merge… links a related case or merges "
                                   "a duplicate into this one."))
        self.table.setHorizontalHeaderLabels([_("Case number"), _("Status"), _("Relation"), _("Note")])
        self.table.setAccessibleName(_("Linked cases"))
        self.unlink_button.setText(_("&Unlink"))
        self.unlink_button.setToolTip(_("Remove the chosen link (a merge cannot be undone)"))
        self._fill()

    def refresh(self) -> None:
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id
        run_call(self, lambda: backend.call(actor, case_links.list_links, cid), self.show_rows,
                 lambda exc: show_error(self, exc))

    def show_rows(self, rows: list[LinkedCase]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        fill_texts(self.table, [(r.other_number, r.other_status.label, _relation(r), r.note) for r in self.rows])
        self.empty_label.setVisible(not self.rows)
        self._update_buttons()

    def _selected(self) -> LinkedCase | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) and self.table.selectionModel().hasSelection() else None

    def _update_buttons(self) -> None:
        chosen = self._selected()
        self.unlink_button.setEnabled(chosen is not None and chosen.link_id is not None)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.sig_open_case.emit(self.rows[row].other_id)

    def unlink(self) -> None:
        chosen = self._selected()
        if chosen is None or chosen.link_id is None:
            return
        backend, actor, cid, link_id = self.ctx.backend, self.actor, self.complaint_id, chosen.link_id

        def done(rows: list[LinkedCase]) -> None:
            self.show_rows(rows)
            self.sig_changed.emit()

        run_call(self, lambda: backend.call(actor, case_links.unlink_cases, cid, link_id), done,
                 lambda exc: show_error(self, exc))


class LinksTab(LinksPanel):
    """The links tab of a case view, with the view's "Link or merge…" and "Record an opportunity…" actions
    (in More actions), which it titles in each language."""

    def __init__(self, view: CaseView) -> None:
        self.link_action = QAction(view)
        self.link_action.setObjectName("linkCasesAction")
        self.opportunity_action = QAction(view)
        self.opportunity_action.setObjectName("recordOpportunityAction")
        super().__init__(view.ctx, view.actor, view.complaint_id)
        self.view = view
        role = view.actor.role
        self.may_link = has_permission(role, Permission.EDIT_CASE)
        self.may_merge = has_permission(role, Permission.ASSIGN)
        self.link_action.triggered.connect(lambda _checked=False: self.start_link())
        self.opportunity_action.triggered.connect(lambda _checked=False: self.record_opportunity())
        for action in (self.link_action, self.opportunity_action):
            action.setVisible(False)
            view.more_menu.addAction(action)
        view.sig_loaded.connect(self.case_loaded)
        self.sig_changed.connect(view.reload_all)  # the timeline shows the unlinking
        self.sig_open_case.connect(view.sig_open_case)

    def retranslate_ui(self) -> None:
        self.link_action.setText(_("Lin&k or merge…"))
        self.opportunity_action.setText(_("Record an &opportunity…"))
        super().retranslate_ui()

    def case_loaded(self) -> None:
        """Offer linking on a case still being handled, and read its links (after every reload)."""
        file = self.view.file
        if file is None:
            return
        self.link_action.setVisible(self.may_link and file.detail.status not in FINISHED_STATES)
        self.opportunity_action.setVisible(self.may_link)
        self.view.update_more_button()
        self.refresh()

    def start_link(self) -> ActionDialog | None:
        """Open the dialog; its OK links the cases or merges one into the other, then the view reloads."""
        view = self.view
        if view.file is None or view.busy:
            return None
        backend, actor, cid = view.ctx.backend, view.actor, view.complaint_id

        def change(a: Answers) -> object:
            how = choice_of(a.data("how"))
            if isinstance(how, MergeDirection):
                return backend.call(actor, case_links.merge_cases, cid, a.version, a.text("other"), how,
                                    a.text("note"))
            return backend.call(actor, case_links.link_cases, cid, a.text("other"), how, a.text("note"))

        return view.open_action_dialog(link_dialog(view, view.file.detail.case_number, self.may_merge), change)

    def record_opportunity(self) -> QDialog | None:
        """The opportunities dialog with this case's number filled in (``ui.grumbles.opportunities_dialog``)."""
        view = self.view
        if view.file is None:
            return None
        from ui.grumbles.opportunities_dialog import OpportunitiesDialog  # loaded on first use

        dialog = OpportunitiesDialog(view.ctx, view.actor, view, case_number=view.file.detail.case_number)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def attach_links(view: CaseView) -> LinksTab:
    tab = LinksTab(view)
    view.add_side_tab(tab, N_("Links and mer&ges"))
    return tab
