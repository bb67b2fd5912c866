"""Quality inspection (质检, issue 18.5): each month a supervisor, branch manager or HQ analyst draws a random
sample of each handler's closed cases, scores each on the scorecard (criteria and weights are data:
``resources/quality/scorecard.toml``) with a comment, and the handler sees the results.

The draw is reproducible: the same month, size and seed give the same cases (one ``random.Random`` per
handler, seeded with the seed, the month and the handler's id, over the handler's closed cases in case-number
order), and it never takes a case that is not closed. Drawing again for a month keeps what was drawn.
"""

from __future__ import annotations

import random
import re
import tomllib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, Complaint, User
from desk_app.db.models.quality import QualitySample
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.errors import NotFoundError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.i18n import _, current_language
from desk_app.paths import resources_dir
from desk_app.services.access import can_see_branch, require, sees_all_branches

MAX_SAMPLE = 50
MAX_COMMENT = 5000
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Criterion:
    code: str
    name_zh: str
    name_en: str
    weight: int

    @property
    def name(self) -> str:
        return self.name_zh if current_language().startswith("zh") else self.name_en


@dataclass(frozen=True)
class Scorecard:
    version: int
    criteria: tuple[Criterion, ...]

    def total(self, scores: dict[str, int]) -> int:
        """The weighted score out of 100 (each criterion scored 0 … its weight); ValidationError otherwise."""
        known = {c.code: c for c in self.criteria}
        unknown = set(scores) - set(known)
        if unknown:
            raise ValidationError(_("Unknown criteria: {codes}").format(codes=", ".join(sorted(unknown))), "scores")
        for criterion in self.criteria:
            if criterion.code not in scores:
                raise ValidationError(_("Score every criterion: '{name}' has no score.").format(
                    name=criterion.name), "scores")
            if not 0 <= scores[criterion.code] <= criterion.weight:
                raise ValidationError(_("'{name}' is scored from 0 to {weight}.").format(
                    name=criterion.name, weight=criterion.weight), "scores")
        weights = sum(c.weight for c in self.criteria)
        return round(100 * sum(scores.values()) / weights)


@cache
def load_scorecard() -> Scorecard:
    data = tomllib.loads((resources_dir() / "quality" / "scorecard.toml").read_text(encoding="utf-8"))
    criteria = tuple(Criterion(c["code"], c["name_zh"], c["name_en"], int(c["weight"])) for c in data["criteria"])
    if not criteria or any(c.weight <= 0 for c in criteria) or len({c.code for c in criteria}) != len(criteria):
        raise ValueError("the quality scorecard needs criteria with distinct codes and positive weights")
    return Scorecard(int(data["version"]), criteria)


def scorecard(db: Database) -> Scorecard:
    """The scorecard, for the inspection screen (any signed-in user may read it)."""
    return load_scorecard()


@dataclass(frozen=True)
class SampleInfo:
    id: uuid.UUID
    version: int
    month: str
    complaint_id: uuid.UUID
    case_number: str
    handler_id: uuid.UUID
    handler_name: str
    branch_code: str
    closed_at: datetime | None
    scores: dict[str, int]
    total: int | None
    comment: str
    inspector_name: str
    scored_at: datetime | None


def month_bounds(month: str, timezone: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
    """The month ``YYYY-MM`` on the office's calendar, as UTC instants [start, end)."""
    match = _MONTH.match(month.strip())
    if not match:
        raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."), "month")
    year, number = int(match[1]), int(match[2])
    zone = ZoneInfo(timezone)
    start = datetime.combine(date(year, number, 1), time(), zone)
    end = datetime.combine(date(year + number // 12, number % 12 + 1, 1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _scope(actor: Actor, branch_id: uuid.UUID | None) -> uuid.UUID | None:
    """The branch inspected: the actor's own, or for HQ the one chosen (None: every branch)."""
    if branch_id is None:
        return None if sees_all_branches(actor) else actor.branch_id
    if not can_see_branch(actor, branch_id):
        raise PermissionDeniedError(_("You may inspect only your own branch's cases."))
    return branch_id


def draw_sample(db: Database, actor: Actor, month: str, per_handler: int, seed: int,
                branch_id: uuid.UUID | None = None) -> list[SampleInfo]:
    """Draw up to ``per_handler`` closed cases of each handler closed in ``month``; see the module docstring."""
    require(actor, Permission.INSPECT_QUALITY)
    if not 1 <= per_handler <= MAX_SAMPLE:
        raise ValidationError(_("Draw between 1 and {n} cases per handler.").format(n=MAX_SAMPLE), "per_handler")
    start, end = month_bounds(month)
    month = month.strip()
    scope = _scope(actor, branch_id)
    card = load_scorecard()
    with db.unit_of_work() as session:
        query = (select(Complaint.id, Complaint.owner_id, Complaint.branch_id, Complaint.case_number)
                 .where(Complaint.status == "closed", Complaint.owner_id.is_not(None),
                        Complaint.closed_at >= start, Complaint.closed_at < end)
                 .order_by(Complaint.case_number))
        if scope is not None:
            query = query.where(Complaint.branch_id == scope)
        by_handler: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
        for cid, owner, branch, _number in session.execute(query):
            if owner is not None:
                by_handler[owner].append((cid, branch))
        drawn = set(session.scalars(select(QualitySample.handler_id).where(QualitySample.month == month)))
        for handler, cases in by_handler.items():
            if handler in drawn:
                continue  # drawn before for this month: kept as drawn
            chooser = random.Random(f"{seed}:{month}:{handler}")
            for cid, branch in chooser.sample(cases, min(per_handler, len(cases))):
                session.add(QualitySample(month=month, complaint_id=cid, handler_id=handler, branch_id=branch,
                                          seed=seed, drawn_by_id=actor.user_id, scorecard_version=card.version,
                                          scores={}))
        session.flush()
        return _list(session, month, scope)


def list_samples(db: Database, actor: Actor, month: str, branch_id: uuid.UUID | None = None) -> list[SampleInfo]:
    """The month's samples the inspector may see, by handler then case number."""
    require(actor, Permission.INSPECT_QUALITY)
    month_bounds(month)
    scope = _scope(actor, branch_id)
    with db.unit_of_work() as session:
        return _list(session, month.strip(), scope)


def score_sample(db: Database, actor: Actor, sample_id: uuid.UUID, version: int, scores: dict[str, int],
                 comment: str = "") -> SampleInfo:
    """Score one sampled case (every criterion, 0 … its weight) with a comment; a handler's own case is
    inspected by someone else."""
    require(actor, Permission.INSPECT_QUALITY)
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("The comment is too long (at most {n} characters).").format(n=MAX_COMMENT), "comment")
    card = load_scorecard()
    total = card.total(scores)
    with db.unit_of_work() as session:
        sample = session.get(QualitySample, sample_id)
        if sample is None:
            raise NotFoundError(_("The inspected case is not in the sample."))
        _scope(actor, sample.branch_id)
        if sample.handler_id == actor.user_id:
            raise PermissionDeniedError(_("Your own cases are inspected by someone else."))
        if sample.version != version:
            raise StaleVersionError(_("This inspection was changed by someone else since you opened it. "
                                      "Reload and try again."))
        sample.scores, sample.total, sample.comment = dict(scores), total, comment.strip()
        sample.inspector_id, sample.scored_at, sample.scorecard_version = actor.user_id, utcnow(), card.version
        session.flush()
        return _list(session, sample.month, None, sample_id=sample.id)[0]


def my_results(db: Database, actor: Actor) -> list[SampleInfo]:
    """The handler's own inspected cases, newest month first (what the inspector scored and wrote)."""
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        ids = session.scalars(select(QualitySample.id).where(QualitySample.handler_id == actor.user_id,
                                                             QualitySample.total.is_not(None))).all()
        rows = [info for sid in ids for info in _list(session, None, None, sample_id=sid)]
        return sorted(rows, key=lambda s: (s.month, s.case_number), reverse=True)


def _list(session: Session, month: str | None, branch_id: uuid.UUID | None,
          sample_id: uuid.UUID | None = None) -> list[SampleInfo]:
    handler, inspector = User.__table__.alias("handler"), User.__table__.alias("inspector")
    query = (select(QualitySample, Complaint.case_number, Complaint.closed_at, handler.c.display_name,
                    inspector.c.display_name, Branch.code)
             .join(Complaint, Complaint.id == QualitySample.complaint_id)
             .join(handler, handler.c.id == QualitySample.handler_id)
             .outerjoin(inspector, inspector.c.id == QualitySample.inspector_id)
             .join(Branch, Branch.id == QualitySample.branch_id)
             .order_by(handler.c.display_name, Complaint.case_number))
    if sample_id is not None:
        query = query.where(QualitySample.id == sample_id)
    if month is not None:
        query = query.where(QualitySample.month == month)
    if branch_id is not None:
        query = query.where(QualitySample.branch_id == branch_id)
    return [SampleInfo(s.id, s.version, s.month, s.complaint_id, number, s.handler_id, name, code, closed,
                       {k: int(v) for k, v in (s.scores or {}).items()}, s.total, s.comment, inspector_name or "",
                       s.scored_at)
            for s, number, closed, name, inspector_name, code in session.execute(query)]
