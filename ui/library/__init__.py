"""The case library (案例库) in the GUI: its page, the similar cases of an open case, adding a closed one."""

from __future__ import annotations

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from ui import icons
from ui.context import AppContext
from ui.lazy_page import LazyPage
from ui.page import Page


def shows_library_page(actor: Actor) -> bool:
    """Those who handle cases or curate the library (the services let every role read it)."""
    return has_permission(actor.role, Permission.HANDLE_CASE) or has_permission(actor.role, Permission.CURATE_LIBRARY)


def lazy_library_page(ctx: AppContext, actor: Actor) -> LazyPage:
    """The page, built when first shown."""

    def build() -> Page:
        from ui.library.page import LibraryPage

        return LibraryPage(ctx, actor)

    return LazyPage(build, lambda: _("Case library"), lambda: icons.icon(icons.LEGAL))
