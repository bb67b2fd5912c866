"""The case library inside a case view: "Add to case library…" in More actions (a closed case, for those who
curate the library) and the tab of similar library cases (an open case)."""

from __future__ import annotations

from PySide6.QtGui import QAction

from desk_app.domain.enums import Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.i18n import N_, _
from ui.cases.case_view import CaseView
from ui.library.similar_panel import SimilarCasesPanel


class LibraryTab(SimilarCasesPanel):
    """The similar library cases of the view's case; also titles the view's "Add to case library…" action."""

    def __init__(self, view: CaseView) -> None:
        self.add_action = QAction(view)
        self.add_action.setObjectName("addToLibraryAction")
        self.add_action.setVisible(False)
        super().__init__(view.ctx, view.actor, view.complaint_id)
        self.curator = has_permission(view.actor.role, Permission.CURATE_LIBRARY)
        self.view = view
        self._asked = False
        self.add_action.triggered.connect(lambda _checked=False: view.add_to_library())
        view.more_menu.addAction(self.add_action)
        view.sig_loaded.connect(self.case_loaded)

    def retranslate_ui(self) -> None:
        self.add_action.setText(_("Add to case &library…"))
        super().retranslate_ui()

    def case_loaded(self) -> None:
        """Offer adding a closed case; look for similar library cases once while the case is open."""
        file = self.view.file
        if file is None:
            return
        status = file.detail.status
        self.add_action.setVisible(self.curator and status is Status.CLOSED)
        if status not in FINISHED_STATES and not self._asked:
            self._asked = True
            self.refresh()


def attach_library(view: CaseView) -> LibraryTab:
    tab = LibraryTab(view)
    view.add_side_tab(tab, N_("Library e&xamples"))
    return tab
