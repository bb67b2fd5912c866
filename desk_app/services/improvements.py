"""Root causes and improvement actions (溯源整改): close the loop from complaints to fixes.

Each case may record one root cause: the level at which it lies — data, rules and systems, or logic
and process (DOMAIN.md §2, step 8) — and the cause code (C axis, or D for insurance). Recording it adds a
note to the case's timeline. Improvement actions have an owner, a due date and a state (planned,
in progress, done, cancelled); they are linked to the cases and the cause they address, and are
listed in the statistics workbook and on the dashboard.

Who: handlers, supervisors and branch managers record root causes for their branch's cases;
supervisors and branch managers run their branch's actions; HQ analysts and HQ administrators run
network-wide actions (no branch) and any branch's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, Complaint, ImprovementAction, RootCause, TaxonomyCode, User
from desk_app.db.models import improvement_action_cases as links
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.cause_types import CauseType
from desk_app.domain.enums import ActionState, RootCauseLevel
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.validation import typed_changes
from desk_app.errors import (
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)
from desk_app.i18n import _
from desk_app.services.access import can_see_branch, require, require_branch, sees_all_branches
from desk_app.services.complaints import load_for
from desk_app.services.reference import label_for, require_code
from desk_app.services.timeline import append_event

MAX_TITLE = 200
MAX_TEXT = 20000
MAX_DEPARTMENT = 100

#: Allowed state changes of an improvement action.
ACTION_TRANSITIONS: dict[ActionState, frozenset[ActionState]] = {
    ActionState.PLANNED: frozenset({ActionState.IN_PROGRESS, ActionState.DONE, ActionState.CANCELLED}),
    ActionState.IN_PROGRESS: frozenset({ActionState.DONE, ActionState.CANCELLED, ActionState.PLANNED}),
    ActionState.DONE: frozenset({ActionState.IN_PROGRESS}),
    ActionState.CANCELLED: frozenset({ActionState.PLANNED}),
}


@dataclass(frozen=True)
class RootCauseInfo:
    complaint_id: uuid.UUID
    case_number: str
    level: RootCauseLevel
    cause_code: str
    cause_name: str
    description: str
    recorded_by: str
    recorded_at: datetime
    cause_type: CauseType | None = None
    data_finding: str = ""
    rules_finding: str = ""
    process_finding: str = ""


@dataclass(frozen=True)
class ActionDraft:
    title: str
    description: str = ""
    branch_id: uuid.UUID | None = None
    """None: the user's own branch, or — for HQ analysts and HQ administrators — the whole network."""
    network_wide: bool = False
    cause_code: str = ""
    level: RootCauseLevel = RootCauseLevel.PROCESS
    owner_id: uuid.UUID | None = None
    due_on: date | None = None
    case_ids: tuple[uuid.UUID, ...] = ()
    department: str = ""


@dataclass(frozen=True)
class ActionInfo:
    id: uuid.UUID
    version: int
    title: str
    description: str
    branch_id: uuid.UUID | None
    branch_code: str
    cause_code: str
    cause_name: str
    level: RootCauseLevel
    owner_id: uuid.UUID | None
    owner_name: str
    due_on: date | None
    state: ActionState
    completed_on: date | None
    case_numbers: tuple[str, ...]
    overdue: bool
    department: str = ""
    evidence: str = ""
    review: str = ""
    reviewed_by: str = ""
    reviewed_at: datetime | None = None


def _cause(session: Session, code: str) -> str:
    """Check a cause code (C axis, or D for insurance) and return it normalised."""
    code = code.strip().upper()
    if not code:
        return ""
    if code[0] not in "CD":
        raise ValidationError(_("A cause is a code of the C axis (cause) or the D axis (insurance cause)."),
                              "cause_code")
    require_code(session, code[0], code)
    return code


def _code_name(session: Session, code: str) -> str:
    node = session.scalar(select(TaxonomyCode).where(TaxonomyCode.code == code)) if code else None
    return label_for(node) if node is not None else ""


# ---- root causes ----------------------------------------------------------------------------------

def record_root_cause(db: Database, actor: Actor, complaint_id: uuid.UUID, level: RootCauseLevel,
                      cause_code: str, description: str = "", cause_type: CauseType | None = None,
                      data_finding: str = "", rules_finding: str = "", process_finding: str = "") -> RootCauseInfo:
    """Record (or correct) the root cause of a case: the level it lies at, its code, the course's cause type
    and what was found on each of the three levels; the timeline gets a note saying so."""
    require(actor, Permission.HANDLE_CASE)
    texts = {"description": description, "data_finding": data_finding, "rules_finding": rules_finding,
             "process_finding": process_finding}
    for field_name, text in texts.items():
        if len(text) > MAX_TEXT:
            raise ValidationError(_("The text is too long (at most {n} characters).").format(n=MAX_TEXT), field_name)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        code = _cause(session, cause_code)
        if not code:
            raise ValidationError(_("Choose the cause code."), "cause_code")
        row = session.scalar(select(RootCause).where(RootCause.complaint_id == complaint.id))
        old = (row.level, row.cause_code) if row is not None else None
        if row is None:
            row = RootCause(complaint_id=complaint.id, recorded_by_id=actor.user_id)
            session.add(row)
        row.level, row.cause_code, row.description = level.value, code, description.strip()
        row.cause_type = CauseType(cause_type).value if cause_type else ""
        row.data_finding, row.rules_finding = data_finding.strip(), rules_finding.strip()
        row.process_finding = process_finding.strip()
        row.recorded_by_id = actor.user_id
        session.flush()
        append_event(session, complaint.id, ev.Note(
            text=_("Root cause: {level} · {code} {name}").format(level=level.label, code=code,
                                                                 name=_code_name(session, code)),
            root_cause={"level": level.value, "cause_code": code, "cause_type": row.cause_type,
                        "previous": list(old) if old else None}), actor.user_id)
        return _root_info(session, row, complaint.case_number)


def get_root_cause(db: Database, actor: Actor, complaint_id: uuid.UUID) -> RootCauseInfo | None:
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        row = session.scalar(select(RootCause).where(RootCause.complaint_id == complaint.id))
        return _root_info(session, row, complaint.case_number) if row is not None else None


def _root_info(session: Session, row: RootCause, case_number: str) -> RootCauseInfo:
    user = session.get(User, row.recorded_by_id)
    return RootCauseInfo(row.complaint_id, case_number, RootCauseLevel(row.level), row.cause_code,
                         _code_name(session, row.cause_code), row.description,
                         user.display_name if user else "", row.recorded_at,
                         CauseType(row.cause_type) if row.cause_type else None, row.data_finding,
                         row.rules_finding, row.process_finding)


# ---- improvement actions --------------------------------------------------------------------------

def _require_action_scope(actor: Actor, branch_id: uuid.UUID | None) -> None:
    if branch_id is None:
        if not sees_all_branches(actor):
            raise PermissionDeniedError(_("Only headquarters can run a network-wide improvement action."))
    elif not can_see_branch(actor, branch_id):
        raise PermissionDeniedError(_("This improvement action belongs to another branch."))


def _check_owner(session: Session, owner_id: uuid.UUID | None, branch_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    owner = session.get(User, owner_id)
    if owner is None or not owner.active:
        raise NotFoundError(_("The chosen owner does not exist or is inactive."))
    if branch_id is not None and owner.branch_id != branch_id:
        raise ValidationError(_("The owner must work at the action's branch."), "owner")


def _link(session: Session, actor: Actor, action: ImprovementAction, case_ids: Iterable[uuid.UUID]) -> None:
    existing = set(session.scalars(select(links.c.complaint_id).where(links.c.action_id == action.id)))
    for cid in dict.fromkeys(case_ids):
        complaint = session.get(Complaint, cid)
        if complaint is None:
            raise NotFoundError(_("The case does not exist."))
        require_branch(actor, complaint.branch_id)
        if action.branch_id is not None and complaint.branch_id != action.branch_id:
            raise ValidationError(_("Case {number} belongs to another branch than the action.").format(
                number=complaint.case_number), "case_ids")
        if cid not in existing:
            session.execute(insert(links).values(action_id=action.id, complaint_id=cid))
            existing.add(cid)


def _load_action(session: Session, actor: Actor, action_id: uuid.UUID, version: int | None = None) -> ImprovementAction:
    action = session.get(ImprovementAction, action_id)
    if action is None:
        raise NotFoundError(_("The improvement action does not exist."))
    _require_action_scope(actor, action.branch_id)
    if version is not None and action.version != version:
        raise StaleVersionError(_("This improvement action was changed by someone else since you opened it. "
                                  "Reload and try again."))
    return action


def _title(title: str) -> str:
    text = title.strip()
    if not text:
        raise ValidationError(_("The improvement action needs a title."), "title")
    if len(text) > MAX_TITLE:
        raise ValidationError(_("The title is too long (at most {n} characters).").format(n=MAX_TITLE), "title")
    return text


def _department(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DEPARTMENT:
        raise ValidationError(_("The department's name is too long (at most {n} characters).").format(
            n=MAX_DEPARTMENT), "department")
    return text


def create_action(db: Database, actor: Actor, draft: ActionDraft) -> ActionInfo:
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    title = _title(draft.title)
    branch_id = None if draft.network_wide else (draft.branch_id or actor.branch_id)
    _require_action_scope(actor, branch_id)
    with db.unit_of_work() as session:
        cause = _cause(session, draft.cause_code)
        _check_owner(session, draft.owner_id, branch_id)
        action = ImprovementAction(title=title, description=draft.description.strip(), branch_id=branch_id,
                                   cause_code=cause, level=draft.level.value, owner_id=draft.owner_id,
                                   due_on=draft.due_on, state=ActionState.PLANNED.value,
                                   department=_department(draft.department))
        session.add(action)
        session.flush()
        _link(session, actor, action, draft.case_ids)
        session.flush()
        return _action_info(session, action)


EDITABLE = ("title", "description", "cause_code", "level", "owner_id", "due_on", "department")


def update_action(db: Database, actor: Actor, action_id: uuid.UUID, version: int,
                  changes: dict[str, Any]) -> ActionInfo:
    """Change the title, description, cause, level, owner or due date; stale versions are refused."""
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: {fields}").format(
            fields=", ".join(sorted(unknown))))
    changes = typed_changes(changes, ActionDraft)
    with db.unit_of_work() as session:
        action = _load_action(session, actor, action_id, version)
        if "title" in changes:
            action.title = _title(changes["title"])
        if "description" in changes:
            action.description = str(changes["description"]).strip()
        if "cause_code" in changes:
            action.cause_code = _cause(session, str(changes["cause_code"]))
        if "level" in changes:
            action.level = RootCauseLevel(changes["level"]).value
        if "owner_id" in changes:
            _check_owner(session, changes["owner_id"], action.branch_id)
            action.owner_id = changes["owner_id"]
        if "due_on" in changes:
            action.due_on = changes["due_on"]
        if "department" in changes:
            action.department = _department(str(changes["department"]))
        session.flush()
        return _action_info(session, action)


def set_action_state(db: Database, actor: Actor, action_id: uuid.UUID, version: int, state: ActionState,
                     completed_on: date | None = None, today: date | None = None) -> ActionInfo:
    """Move an action along planned → in progress → done (or cancelled); done records the completion date."""
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    with db.unit_of_work() as session:
        action = _load_action(session, actor, action_id, version)
        current = ActionState(action.state)
        if state is current:
            return _action_info(session, action)
        if state not in ACTION_TRANSITIONS[current]:
            raise IllegalTransitionError(
                _("An improvement action that is '{current}' cannot become '{target}'.").format(
                    current=current.label, target=state.label))
        action.state = state.value
        local_today = today or _office_today(session, action.branch_id)
        action.completed_on = (completed_on or local_today) if state is ActionState.DONE else None
        session.flush()
        return _action_info(session, action)


def complete_action(db: Database, actor: Actor, action_id: uuid.UUID, version: int, evidence: str,
                    completed_on: date | None = None) -> ActionInfo:
    """Mark an action done with the evidence of its completion (a document, a changed rule, a trained
    team…); without evidence it stays open."""
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    text = evidence.strip()
    if not text:
        raise ValidationError(_("Say what shows the action was carried out (the evidence of completion)."),
                              "evidence")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long (at most {n} characters).").format(n=MAX_TEXT), "evidence")
    with db.unit_of_work() as session:
        action = _load_action(session, actor, action_id, version)
        current = ActionState(action.state)
        if current is not ActionState.DONE and ActionState.DONE not in ACTION_TRANSITIONS[current]:
            raise IllegalTransitionError(
                _("An improvement action that is '{current}' cannot become '{target}'.").format(
                    current=current.label, target=ActionState.DONE.label))
        action.state, action.evidence = ActionState.DONE.value, text
        action.completed_on = completed_on or action.completed_on or _office_today(session, action.branch_id)
        session.flush()
        return _action_info(session, action)


def review_action(db: Database, actor: Actor, action_id: uuid.UUID, version: int, review: str) -> ActionInfo:
    """Record the review (复核) of a done action: whether the fix worked. Only a done action is reviewed, and
    not by its own owner."""
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    text = review.strip()
    if not text:
        raise ValidationError(_("Write the review's conclusion."), "review")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long (at most {n} characters).").format(n=MAX_TEXT), "review")
    with db.unit_of_work() as session:
        action = _load_action(session, actor, action_id, version)
        if action.state != ActionState.DONE.value:
            raise IllegalTransitionError(_("Only a done improvement action can be reviewed."))
        if action.owner_id == actor.user_id:
            raise PermissionDeniedError(_("The owner of an improvement action cannot review it."))
        action.review, action.reviewed_by_id, action.reviewed_at = text, actor.user_id, utcnow()
        session.flush()
        return _action_info(session, action)


def overdue_first(actions: Iterable[ActionInfo]) -> list[ActionInfo]:
    """The improvement page's order: overdue actions first (longest overdue on top), then open ones by due
    date, then done and cancelled ones."""
    def key(a: ActionInfo) -> tuple[int, bool, date]:
        group = 0 if a.overdue else 1 if a.state in (ActionState.PLANNED, ActionState.IN_PROGRESS) else 2
        return group, a.due_on is None, a.due_on or date.max

    return sorted(actions, key=key)


def link_cases(db: Database, actor: Actor, action_id: uuid.UUID, case_ids: Iterable[uuid.UUID]) -> ActionInfo:
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    with db.unit_of_work() as session:
        action = _load_action(session, actor, action_id)
        _link(session, actor, action, case_ids)
        session.flush()
        return _action_info(session, action)


def unlink_case(db: Database, actor: Actor, action_id: uuid.UUID, case_id: uuid.UUID) -> ActionInfo:
    require(actor, Permission.MANAGE_IMPROVEMENTS)
    with db.unit_of_work() as session:
        action = _load_action(session, actor, action_id)
        session.execute(delete(links).where(links.c.action_id == action.id, links.c.complaint_id == case_id))
        return _action_info(session, action)


def get_action(db: Database, actor: Actor, action_id: uuid.UUID) -> ActionInfo:
    with db.unit_of_work() as session:
        return _action_info(session, _load_action(session, actor, action_id))


def list_actions(db: Database, actor: Actor, states: Iterable[ActionState] = (), open_only: bool = False,
                 today: date | None = None) -> list[ActionInfo]:
    """The actions the user may see (their branch's, plus network-wide ones), by due date."""
    query = select(ImprovementAction)
    if not sees_all_branches(actor):
        query = query.where((ImprovementAction.branch_id == actor.branch_id) | ImprovementAction.branch_id.is_(None))
    wanted = [s.value for s in states]
    if open_only:
        wanted = [ActionState.PLANNED.value, ActionState.IN_PROGRESS.value]
    if wanted:
        query = query.where(ImprovementAction.state.in_(wanted))
    query = query.order_by(ImprovementAction.due_on.is_(None), ImprovementAction.due_on, ImprovementAction.title)
    with db.unit_of_work() as session:
        return [_action_info(session, a, today) for a in session.scalars(query)]


def _office_today(session: Session, branch_id: uuid.UUID | None) -> date:
    """Today on the calendar of the action's branch (headquarters' zone for network-wide actions)."""
    branch = session.get(Branch, branch_id) if branch_id else None
    return datetime.now(ZoneInfo(branch.timezone if branch else DEFAULT_TIMEZONE)).date()


def _action_info(session: Session, action: ImprovementAction, today: date | None = None) -> ActionInfo:
    today = today or _office_today(session, action.branch_id)
    branch = session.get(Branch, action.branch_id) if action.branch_id else None
    owner = session.get(User, action.owner_id) if action.owner_id else None
    reviewer = session.get(User, action.reviewed_by_id) if action.reviewed_by_id else None
    numbers = tuple(session.scalars(select(Complaint.case_number).join(links, links.c.complaint_id == Complaint.id)
                                    .where(links.c.action_id == action.id).order_by(Complaint.case_number)))
    state = ActionState(action.state)
    return ActionInfo(
        id=action.id, version=action.version, title=action.title, description=action.description,
        branch_id=action.branch_id, branch_code=branch.code if branch else "", cause_code=action.cause_code,
        cause_name=_code_name(session, action.cause_code), level=RootCauseLevel(action.level),
        owner_id=action.owner_id, owner_name=owner.display_name if owner else "", due_on=action.due_on,
        state=state, completed_on=action.completed_on, case_numbers=numbers,
        overdue=bool(action.due_on and action.due_on < today
                     and state in (ActionState.PLANNED, ActionState.IN_PROGRESS)),
        department=action.department, evidence=action.evidence, review=action.review,
        reviewed_by=reviewer.display_name if reviewer else "", reviewed_at=action.reviewed_at)
