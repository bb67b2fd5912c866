"""A case opened in the main window: the case view with its portrait, risk-signal and letter panels."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.i18n import N_
from ui.cases.attachments_panel import AttachmentsPanel
from ui.cases.case_view import CaseView
from ui.cases.links_panel import attach_links
from ui.cases.root_cause_panel import RootCausePanel
from ui.context import AppContext
from ui.help import install_f1
from ui.letters import CaseLettersWidget
from ui.library.case_hooks import attach_library
from ui.portrait.editor import PortraitEditor
from ui.portrait.risk_box import RiskSignalsBox


def build_case_view(ctx: AppContext, actor: Actor, complaint_id: uuid.UUID) -> CaseView:
    """The case view with every panel about the case beside its timeline and checklists."""
    view = CaseView(ctx, actor, complaint_id)
    editor = PortraitEditor(ctx, actor, complaint_id)
    risk = RiskSignalsBox(ctx, actor, complaint_id)
    letters = CaseLettersWidget(ctx, actor, complaint_id)
    portrait_tab = QWidget()
    layout = QVBoxLayout(portrait_tab)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(risk)
    layout.addWidget(editor, 1)
    portrait_scroll = QScrollArea()  # the six dimensions need width; beside the steps they scroll
    portrait_scroll.setWidgetResizable(True)
    portrait_scroll.setFrameShape(QFrame.Shape.NoFrame)
    portrait_scroll.setWidget(portrait_tab)
    view.add_side_tab(portrait_scroll, N_("Portrait and r&isk"))
    view.add_side_tab(letters, N_("Lett&ers"))
    attachments = AttachmentsPanel(ctx, actor, complaint_id)
    view.add_side_tab(attachments, N_("&Attachments"))
    attachments.sig_changed.connect(view.reload_all)  # the timeline shows the files added
    root_cause = RootCausePanel(ctx, actor, complaint_id)
    view.add_side_tab(root_cause, N_("&Root cause"))
    root_cause.sig_changed.connect(view.reload_all)  # the timeline notes the root cause
    attach_library(view)  # similar library cases of an open case; a closed one may be added to the library
    attach_links(view)  # linked and merged cases; Link or merge… and Record an opportunity… in More actions
    view.sig_changed.connect(lambda _complaint_id: root_cause.refresh())  # offered from the analysis step on
    editor.sig_saved.connect(risk.refresh)
    editor.sig_saved.connect(view.reload_all)
    risk.sig_confirmed.connect(lambda _flag: view.reload_all())
    letters.changed.connect(view.reload_all)
    view.sig_changed.connect(lambda _complaint_id: letters.refresh())  # which letters may be issued follows the case
    install_f1(view, "case_view")
    return view
