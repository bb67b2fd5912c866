"""The team page: figures per handler for supervisors, branch managers and head office."""

from __future__ import annotations

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.i18n import _
from ui import icons
from ui.context import AppContext
from ui.lazy_page import LazyPage
from ui.page import Page

#: Who supervises a team and gets the page (administrators may run reports but manage accounts, not people).
TEAM_ROLES = frozenset({Role.SUPERVISOR, Role.BRANCH_MANAGER, Role.HQ_ANALYST})


def shows_team_page(actor: Actor) -> bool:
    return actor.role in TEAM_ROLES


def lazy_team_page(ctx: AppContext, actor: Actor) -> LazyPage:
    """The team page, built when first shown (its service and table load then, not at start-up)."""

    def build() -> Page:
        from ui.team.page import TeamPage

        return TeamPage(ctx, actor)

    return LazyPage(build, lambda: _("Team"), lambda: icons.icon(icons.DASHBOARD))
