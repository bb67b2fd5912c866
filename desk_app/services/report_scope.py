"""The scope of a report (statistics, detail export, dashboard): the period and branches asked for, checked
against the user's rights and turned into UTC bounds of this and the previous period.

Staff see their own branch; HQ analysts and HQ administrators every branch
(``desk_app.services.access``). Who may run reports: supervisors, branch managers, HQ analysts and
administrators (``Permission.REPORTS``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, Complaint
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import PermissionDeniedError, ValidationError
from desk_app.i18n import _
from desk_app.reports.figures import Period
from desk_app.reports.sqlexpr import local_midnight_utc
from desk_app.services.access import can_see_branch, require, sees_all_branches

MAX_PERIOD_DAYS = 3660

@dataclass(frozen=True)
class ReportScope:
    """What a report covers: cases received in ``date_from``…``date_to`` (inclusive, local dates) at
    the branches named by code (none = every branch the user may see)."""

    date_from: date
    date_to: date
    branch_codes: tuple[str, ...] = ()
    timezone: str = DEFAULT_TIMEZONE


def may_see_personal_data(actor: Actor) -> bool:
    return has_permission(actor.role, Permission.EXPORT_PERSONAL_DATA)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """Whole months → the same number of months before (quarter on quarter); else as many days before."""
    if date_from.day == 1 and (date_to + timedelta(days=1)).day == 1:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        index = date_from.year * 12 + date_from.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), date_from - timedelta(days=1)
    length = (date_to - date_from).days + 1
    previous_to = date_from - timedelta(days=1)
    return previous_to - timedelta(days=length - 1), previous_to


@dataclass(frozen=True)
class ResolvedScope:
    """A scope checked against the user's rights, with the UTC bounds of both periods."""

    period: Period
    timezone: str
    branch_ids: tuple[uuid.UUID, ...] | None
    """None = every branch."""
    branches: tuple[tuple[uuid.UUID, str, str, str], ...]
    """(id, code, name, institution type) of the branches listed in the report."""
    start: datetime
    end: datetime
    previous_start: datetime
    label: str

    def condition(self, column: Any = Complaint.branch_id) -> ColumnElement[bool]:
        return true() if self.branch_ids is None else column.in_(self.branch_ids)

    @property
    def current(self) -> ColumnElement[bool]:
        """The cases of this period, merged duplicates left out (``counted``)."""
        return and_(Complaint.received_at >= self.start, Complaint.received_at < self.end, counted())

    @property
    def previous(self) -> ColumnElement[bool]:
        return and_(Complaint.received_at >= self.previous_start, Complaint.received_at < self.start, counted())

    @property
    def both(self) -> ColumnElement[bool]:
        return and_(Complaint.received_at >= self.previous_start, Complaint.received_at < self.end, counted())


def counted(complaint: Any = Complaint) -> ColumnElement[bool]:
    """The cases the figures count: every case but a duplicate merged into its main case
    (desk_app.services.case_links), so a complaint that came in twice is counted once, as its main case."""
    status: ColumnElement[bool] = complaint.status != Status.MERGED.value
    return status


def report_scope(resolved: ResolvedScope) -> dict[str, object]:
    """The scope of a report or export as its audit entry records it."""
    return {"branches": "all" if resolved.branch_ids is None else [code for _i, code, _n, _k in resolved.branches],
            "from": resolved.period.date_from, "to": resolved.period.date_to}


def resolve_scope(session: Session, actor: Actor, scope: ReportScope) -> ResolvedScope:
    """Check the period and the branches against the user's rights (PermissionDeniedError,
    ValidationError) and compute the UTC bounds."""
    require(actor, Permission.REPORTS)
    if scope.date_from > scope.date_to:
        raise ValidationError(_("The period starts after it ends."), "date_from")
    if (scope.date_to - scope.date_from).days > MAX_PERIOD_DAYS:
        raise ValidationError(_("The period may cover at most ten years."), "date_to")
    try:
        ZoneInfo(scope.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: {tz}").format(tz=scope.timezone), "timezone") from exc
    rows = session.execute(select(Branch.id, Branch.code, Branch.name, Branch.institution_type, Branch.active,
                                  Branch.is_headquarters).order_by(Branch.code)).all()
    by_code = {row.code.upper(): row for row in rows}
    branch_ids: tuple[uuid.UUID, ...] | None
    if scope.branch_codes:
        chosen = []
        for code in dict.fromkeys(c.strip().upper() for c in scope.branch_codes if c.strip()):
            row = by_code.get(code)
            if row is None:
                raise ValidationError(_("There is no branch with the code {code}.").format(code=code), "branch")
            if not can_see_branch(actor, row.id):
                raise PermissionDeniedError(
                    _("You may not see the figures of branch {code}.").format(code=row.code))
            chosen.append(row)
        branch_ids = tuple(row.id for row in chosen)
        label = _("Branches: {codes}").format(codes=", ".join(row.code for row in chosen))
    elif sees_all_branches(actor):
        chosen = [row for row in rows if row.active and not row.is_headquarters]
        branch_ids = None
        label = _("All branches")
    else:
        chosen = [row for row in rows if row.id == actor.branch_id]
        branch_ids = (actor.branch_id,)
        label = _("Branch {code}").format(code=actor.branch_code)
    previous_from, previous_to = previous_period(scope.date_from, scope.date_to)
    tz = scope.timezone
    return ResolvedScope(
        period=Period(scope.date_from, scope.date_to, previous_from, previous_to), timezone=tz,
        branch_ids=branch_ids,
        branches=tuple((row.id, row.code, row.name, row.institution_type) for row in chosen),
        start=local_midnight_utc(scope.date_from, tz),
        end=local_midnight_utc(scope.date_to + timedelta(days=1), tz),
        previous_start=local_midnight_utc(previous_from, tz), label=label)


def office_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()

