"""Recompute a case's stored due dates from its regime, complexity, pauses and the holiday table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, ComplaintEvent
from desk_app.domain.actor import Actor
from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.deadlines import DeadlineInput, DeadlineResult, PauseInterval, compute_deadline
from desk_app.domain.enums import Complexity, Regime
from desk_app.domain.events import payloads as ev
from desk_app.domain.timeline import EventKind
from desk_app.services.timeline import append_event


def pause_intervals(session: Session, complaint: Complaint) -> tuple[PauseInterval, ...]:
    """Pauses (appraisal/testing time) as recorded by PAUSED/RESUMED events on the timeline."""
    events = session.execute(
        select(ComplaintEvent.kind, ComplaintEvent.payload)
        .where(ComplaintEvent.complaint_id == complaint.id,
               ComplaintEvent.kind.in_([EventKind.PAUSED.value, EventKind.RESUMED.value]))
        .order_by(ComplaintEvent.seq)
    ).all()
    intervals: list[PauseInterval] = []
    start: date | None = None
    for kind, payload in events:
        if kind == EventKind.PAUSED.value:
            start = date.fromisoformat(payload["from"])
        elif start is not None:
            intervals.append(PauseInterval(start, date.fromisoformat(payload["to"])))
            start = None
    if start is not None:
        intervals.append(PauseInterval(start, None))
    return tuple(intervals)


def compute_for(session: Session, complaint: Complaint, branch: Branch, calendar: WorkCalendar) -> DeadlineResult:
    """The case's deadlines. A main case into which duplicates were merged (desk_app.services.case_links)
    keeps one deadline, the earliest: each duplicate's receipt and regime counted with the main case's
    complexity, extension and pauses, so every later recomputation (pause, extension, holiday table)
    keeps the earlier date."""
    def deadline(regime: str, received_at: datetime) -> DeadlineResult:
        return compute_deadline(
            DeadlineInput(
                regime=Regime(regime),
                received_at=received_at,
                office_tz=branch.timezone,
                complexity=Complexity(complaint.complexity),
                special_extension_approved=complaint.special_extension_approved,
                pauses=pauses,
                first_contact_hours=branch.first_contact_hours,
            ),
            calendar,
        )

    pauses = pause_intervals(session, complaint)
    result = deadline(complaint.regime, complaint.received_at)
    merged = session.execute(select(Complaint.regime, Complaint.received_at)
                             .where(Complaint.merged_into_id == complaint.id)).all()
    for regime, received_at in merged:
        other = deadline(regime, received_at)
        if other.due_on < result.due_on:
            result = other
    return result


def apply_result(complaint: Complaint, result: DeadlineResult) -> bool:
    """Store the computed dates on the case; True when the statutory due date moved."""
    moved = complaint.due_on != result.due_on
    complaint.due_on = result.due_on
    complaint.acceptance_due_on = result.acceptance_due_on
    complaint.first_contact_due = result.first_contact_due
    return moved


def refresh_due_dates(session: Session, complaints: Iterable[Complaint], calendar: WorkCalendar, actor: Actor,
                      reason: str) -> int:
    """Recompute, store and log on each timeline whose due date changed; returns how many changed."""
    branches: dict[object, Branch] = {}
    changed = 0
    for complaint in complaints:
        branch = branches.get(complaint.branch_id) or session.get_one(Branch, complaint.branch_id)
        branches[complaint.branch_id] = branch
        old = complaint.due_on
        if apply_result(complaint, compute_for(session, complaint, branch, calendar)):
            changed += 1
            append_event(session, complaint.id, ev.DeadlineRecomputed(
                old_due_on=old, new_due_on=complaint.due_on, reason=reason), actor.user_id)
    session.flush()
    return changed
