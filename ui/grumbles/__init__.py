"""The grumble log (抱怨登记, Ctrl+G), the past grumbles (Ctrl+Shift+G) and the opportunities (投诉经营), opened
from the main window's File menu.
The dialogs' modules load when first opened, not while the window starts."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission

if TYPE_CHECKING:
    from desk_app.services.grumbles import GrumbleInfo
    from ui.grumbles.grumble_dialog import GrumbleDialog
    from ui.grumbles.grumble_list import GrumbleListDialog
    from ui.grumbles.opportunities_dialog import OpportunitiesDialog
    from ui.main_window import MainWindow

TurningDialog = TypeVar("TurningDialog", "GrumbleDialog", "GrumbleListDialog")


def may_use_opportunities(actor: Actor) -> bool:
    """Who records opportunities on cases (EDIT_CASE) or reads the list (REPORTS)."""
    return has_permission(actor.role, Permission.EDIT_CASE) or has_permission(actor.role, Permission.REPORTS)


def open_grumble_log(window: MainWindow) -> GrumbleDialog | None:
    """Ctrl+G: the grumble dialog over the window; "turn into a complaint" fills the intake form."""
    if not has_permission(window.actor.role, Permission.REGISTER):
        return None
    from ui.grumbles.grumble_dialog import GrumbleDialog

    return _turning(window, GrumbleDialog(window.ctx, window.actor, window))


def open_grumble_list(window: MainWindow) -> GrumbleListDialog | None:
    """Ctrl+Shift+G: the past grumbles; one opened and turned fills the intake form."""
    if not has_permission(window.actor.role, Permission.VIEW_CASE):
        return None
    from ui.grumbles.grumble_list import GrumbleListDialog

    return _turning(window, GrumbleListDialog(window.ctx, window.actor, window))


def _turning(window: MainWindow, dialog: TurningDialog) -> TurningDialog:
    """``dialog`` opened over the window; a grumble it turns (``sig_turn``) fills the intake form."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.sig_turn.connect(lambda info: turn_into_complaint(window, info))
    dialog.open()
    return dialog


def turn_into_complaint(window: MainWindow, info: GrumbleInfo) -> None:
    """The intake page, filled from the grumble; the case saved from it is linked to the grumble."""
    from ui.grumbles.turn import GrumbleTurner

    page = window.intake_page
    if page is None:
        return
    turner = page.findChild(GrumbleTurner) or GrumbleTurner(window.ctx, window.actor, page)
    window.activateWindow()  # back from the closed dialog
    window.new_intake()
    turner.turn(info)


def open_opportunities(window: MainWindow) -> OpportunitiesDialog:
    from ui.grumbles.opportunities_dialog import OpportunitiesDialog

    dialog = OpportunitiesDialog(window.ctx, window.actor, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
