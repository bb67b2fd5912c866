"""The complainant portrait: every save is a new version (who, when), kept for the emotion/risk trend.
Each public function is one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, Portrait, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.portrait import Dimension, PortraitInput, changed_ratings, validate_portrait
from desk_app.domain.risk import suggests_escalation
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.errors import IllegalTransitionError, StaleVersionError
from desk_app.i18n import _
from desk_app.services.access import require, sees_all_branches
from desk_app.services.complaints import load_for
from desk_app.services.timeline import append_event


@dataclass(frozen=True)
class PortraitInfo:
    id: uuid.UUID
    complaint_id: uuid.UUID
    customer_id: uuid.UUID
    case_number: str
    version_no: int
    ratings: Mapping[Dimension, int]
    notes: Mapping[str, str]
    primary_type: PsychType | None
    secondary_type: PsychType | None
    created_by: str
    created_at: datetime

    def rating(self, dimension: Dimension) -> int:
        return self.ratings[dimension]

    @property
    def types(self) -> tuple[PsychType | None, PsychType | None]:
        return self.primary_type, self.secondary_type

    def as_input(self) -> PortraitInput:
        return PortraitInput(**{d.value: self.ratings[d] for d in Dimension}, notes=dict(self.notes),
                             primary_type=self.primary_type, secondary_type=self.secondary_type)


@dataclass(frozen=True)
class TrendPoint:
    """Emotion and risk of one portrait version, for the trend chart."""

    complaint_id: uuid.UUID
    case_number: str
    version_no: int
    created_at: datetime
    emotion: int
    risk: int


def ratings_of(portrait: Portrait) -> dict[Dimension, int]:
    return {d: int(getattr(portrait, d.value)) for d in Dimension}


def latest_portrait(session: Session, complaint_id: uuid.UUID) -> Portrait | None:
    """The newest portrait version of a case (inside the caller's transaction), or None."""
    return session.scalars(select(Portrait).where(Portrait.complaint_id == complaint_id)
                           .order_by(Portrait.version_no.desc()).limit(1)).first()


def _info(portrait: Portrait, case_number: str, author: str) -> PortraitInfo:
    return PortraitInfo(
        id=portrait.id, complaint_id=portrait.complaint_id, customer_id=portrait.customer_id,
        case_number=case_number, version_no=portrait.version_no, ratings=ratings_of(portrait),
        notes=dict(portrait.notes or {}),
        primary_type=PsychType(portrait.primary_type) if portrait.primary_type else None,
        secondary_type=PsychType(portrait.secondary_type) if portrait.secondary_type else None,
        created_by=author, created_at=portrait.created_at)


def save_portrait(db: Database, actor: Actor, complaint_id: uuid.UUID, data: PortraitInput,
                  based_on: int | None = None) -> PortraitInfo:
    """Save a new portrait version. ``based_on`` is the version the editor showed (0 for none): if
    someone saved another version meanwhile, the save is refused instead of silently overriding it."""
    require(actor, Permission.EDIT_CASE)
    ratings, notes = validate_portrait(data)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        if Status(complaint.status) in FINISHED_STATES:
            raise IllegalTransitionError(
                _("The case is '{status}': its portrait can no longer be changed.").format(
                    status=Status(complaint.status).label))
        # One writer at a time per case, so version numbers follow each other.
        session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
        previous = latest_portrait(session, complaint.id)
        current_no = previous.version_no if previous else 0
        if based_on is not None and based_on != current_no:
            _refuse_stale(session, complaint, previous)
        portrait = Portrait(
            complaint_id=complaint.id, customer_id=complaint.customer_id, version_no=current_no + 1,
            **{d.value: v for d, v in ratings.items()}, notes=notes,
            primary_type=data.primary_type.value if data.primary_type else None,
            secondary_type=data.secondary_type.value if data.secondary_type else None,
            created_by_id=actor.user_id)
        session.add(portrait)
        session.flush()
        old_types = (previous.primary_type, previous.secondary_type) if previous else (None, None)
        append_event(session, complaint.id, ev.PortraitSaved(
            version_no=portrait.version_no,
            ratings={d.value: v for d, v in ratings.items()},
            changes=changed_ratings(ratings_of(previous) if previous else None, ratings),
            primary_type=portrait.primary_type, secondary_type=portrait.secondary_type,
            types_changed=old_types != (portrait.primary_type, portrait.secondary_type),
            escalation_suggested=suggests_escalation(ratings[Dimension.RISK]),
        ), actor.user_id)
        return _info(portrait, complaint.case_number, actor.display_name)


def _refuse_stale(session: Session, complaint: Complaint, previous: Portrait | None) -> NoReturn:
    who, when = _("someone"), "?"
    if previous is not None:
        user = session.get(User, previous.created_by_id)
        branch = session.get_one(Branch, complaint.branch_id)
        who = user.display_name if user else who
        when = previous.created_at.astimezone(ZoneInfo(branch.timezone)).strftime("%Y-%m-%d %H:%M")
    raise StaleVersionError(
        _("The portrait of case {number} was re-rated by {who} at {when} since you opened it. "
          "Reload and try again.").format(number=complaint.case_number, who=who, when=when))


def portrait_history(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[PortraitInfo]:
    """Every version of the case's portrait, oldest first."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        rows = session.execute(
            select(Portrait, User.display_name).outerjoin(User, User.id == Portrait.created_by_id)
            .where(Portrait.complaint_id == complaint.id).order_by(Portrait.version_no)).all()
        return [_info(p, complaint.case_number, name or "") for p, name in rows]


def latest_portrait_info(db: Database, actor: Actor, complaint_id: uuid.UUID) -> PortraitInfo | None:
    history = portrait_history(db, actor, complaint_id)
    return history[-1] if history else None


def trend(db: Database, actor: Actor, customer_id: uuid.UUID,
          complaint_id: uuid.UUID | None = None) -> list[TrendPoint]:
    """Emotion and risk over every portrait version of the customer's cases that the actor may see, in
    the order they were rated. With ``complaint_id``: that case and the customer's earlier cases only."""
    query = (select(Portrait, Complaint.case_number)
             .join(Complaint, Complaint.id == Portrait.complaint_id)
             .where(Portrait.customer_id == customer_id))
    if not sees_all_branches(actor):
        query = query.where(Complaint.branch_id == actor.branch_id)
    with db.unit_of_work() as session:
        if complaint_id is not None:
            anchor = load_for(session, actor, complaint_id)
            query = query.where(Complaint.received_at <= anchor.received_at)
        rows = session.execute(query.order_by(Portrait.created_at, Complaint.received_at,
                                              Portrait.version_no)).all()
        return [TrendPoint(p.complaint_id, number, p.version_no, p.created_at, p.emotion, p.risk)
                for p, number in rows]
