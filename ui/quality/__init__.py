"""The quality-inspection page (质检): inspectors draw and score the month's sample; handlers read their results."""

from __future__ import annotations

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from ui import icons
from ui.context import AppContext
from ui.lazy_page import LazyPage
from ui.page import Page


def shows_quality_page(actor: Actor) -> bool:
    return has_permission(actor.role, Permission.INSPECT_QUALITY) or actor.role is Role.HANDLER


def lazy_quality_page(ctx: AppContext, actor: Actor) -> LazyPage:
    def build() -> Page:
        from ui.quality.page import QualityPage

        return QualityPage(ctx, actor)

    return LazyPage(build, lambda: _("Quality inspection"), lambda: icons.icon(icons.AUDIT))
