"""The improvement page (整改): every improvement action the user may see, overdue ones first."""

from __future__ import annotations

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from ui import icons
from ui.context import AppContext
from ui.lazy_page import LazyPage
from ui.page import Page


def shows_improvements_page(actor: Actor) -> bool:
    return has_permission(actor.role, Permission.MANAGE_IMPROVEMENTS)


def lazy_improvements_page(ctx: AppContext, actor: Actor) -> LazyPage:
    """The page, built when first shown."""

    def build() -> Page:
        from ui.improvements.page import ImprovementsPage

        return ImprovementsPage(ctx, actor)

    return LazyPage(build, lambda: _("Improvements"), lambda: icons.icon(icons.OVERDUE))
