"""Checklists on a case: which apply, ticking steps (who, when, note), the gates that unticked required
steps put on the workflow, HQ imports, and the printable conversation aid.

Versions. Each checklist version is a row of ``checklist_definitions`` (its TOML text). A case's first
tick creates a run pinned to the newest version; from then on the case sees that version, even after HQ
imports a newer one. A checklist the case has not started shows (and gates with) the newest version.

Public functions taking ``db`` are one transaction each; ``check_gate`` works inside the caller's.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, ChecklistDefinition, ChecklistRun, ChecklistTick, Complaint, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.checklist import Checklist, Gate, bundled_checklist_files, parse_checklist, parse_gate
from desk_app.domain.enums import PsychType, SpecialFlag, Stage, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.portrait import Bilingual, Dimension
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.errors import BugError, IllegalTransitionError, NotFoundError, ValidationError
from desk_app.i18n import _, current_language
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.complaints import complaint_flags, load_for
from desk_app.services.portraits import latest_portrait, ratings_of
from desk_app.services.timeline import append_event

MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class StepView:
    key: str
    title: Bilingual
    guidance: Bilingual
    wording: Bilingual | None
    wording_for: str | None          # "default", a PsychType value, or None (no wording)
    required_before: tuple[Gate, ...]
    ticked: bool = False
    ticked_by: str = ""
    ticked_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class ChecklistView:
    key: str
    version: int
    latest_version: int
    title: Bilingual
    summary: Bilingual
    started: bool                    # the case has a run: the version is pinned
    applies_now: bool                # applies at the current step (a started checklist is shown anyway)
    steps: tuple[StepView, ...]

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.ticked)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


@dataclass(frozen=True)
class ChecklistImport:
    key: str
    version: int
    previous_version: int | None
    title: Bilingual
    steps: int
    gates: tuple[str, ...]


@dataclass(frozen=True)
class DefinitionInfo:
    key: str
    version: int
    title: Bilingual
    loaded_by: str
    loaded_at: datetime


@dataclass(frozen=True)
class _Case:
    """What decides which checklists apply: the step, the portrait's types and ratings, the flags."""

    stage: Stage | None
    types: tuple[PsychType | None, PsychType | None]
    flags: frozenset[SpecialFlag]
    ratings: dict[Dimension, int] | None

    @property
    def known_types(self) -> list[PsychType]:
        return [t for t in self.types if t is not None]

    def applies(self, checklist: Checklist) -> bool:
        return checklist.applies.applies(self.stage, self.known_types, self.flags, self.ratings)

    def binds(self, checklist: Checklist) -> bool:
        return checklist.applies.applies_to_case(self.known_types, self.flags, self.ratings)


# ---- definitions --------------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _parsed(sha256: str, source_text: str, name: str) -> Checklist:
    return parse_checklist(source_text.encode("utf-8"), name)


def _load(row: ChecklistDefinition) -> Checklist:
    return _parsed(row.sha256, row.source, f"{row.key} v{row.version}")


def _definitions(session: Session) -> dict[str, dict[int, ChecklistDefinition]]:
    result: dict[str, dict[int, ChecklistDefinition]] = {}
    for row in session.scalars(select(ChecklistDefinition)):
        result.setdefault(row.key, {})[row.version] = row
    return result


def _store(session: Session, parsed: Checklist, data: bytes, loaded_by: str) -> None:
    session.add(ChecklistDefinition(key=parsed.key, version=parsed.version, source=data.decode("utf-8-sig"),
                                    sha256=hashlib.sha256(data).hexdigest(), loaded_by=loaded_by))
    session.flush()


def seed_checklists(session: Session, loaded_by: str = "system") -> list[str]:
    """Load every bundled checklist whose key is not in the database yet (all of them on first run);
    a key HQ already maintains is left alone. Returns the keys loaded."""
    present = set(session.scalars(select(ChecklistDefinition.key).distinct()))
    loaded: list[str] = []
    for path in bundled_checklist_files():
        data = path.read_bytes()
        parsed = parse_checklist(data, path.name)
        if parsed.key in present or parsed.key in loaded:
            continue
        _store(session, parsed, data, loaded_by)
        loaded.append(parsed.key)
    return loaded


def _check_import(session: Session, data: bytes, source: str) -> ChecklistImport:
    parsed = parse_checklist(data, source)
    versions = _definitions(session).get(parsed.key, {})
    previous = max(versions) if versions else None
    if previous is not None and parsed.version <= previous:
        raise ValidationError(_("{source}: version {version} of checklist {key} is not newer than the loaded "
                                "version {current}; raise the version in the file").format(
                                    source=source, version=parsed.version, key=parsed.key, current=previous))
    return ChecklistImport(parsed.key, parsed.version, previous, parsed.title, len(parsed.steps),
                           tuple(sorted(str(g) for g in parsed.gates())))


def check_checklist_import(db: Database, actor: Actor, data: bytes, source: str) -> ChecklistImport:
    """Validate a checklist file as ``import_checklist`` would, without loading it."""
    require(actor, Permission.MANAGE_GUIDANCE)
    with db.unit_of_work() as session:
        return _check_import(session, data, source)


def import_checklist(db: Database, actor: Actor, data: bytes, source: str) -> ChecklistImport:
    """Load a checklist version from HQ (a new key, or a higher version of a known one). A bad file raises
    ValidationError and changes nothing; cases that started an older version keep it."""
    require(actor, Permission.MANAGE_GUIDANCE)
    with db.unit_of_work() as session:
        report = _check_import(session, data, source)
        _store(session, parse_checklist(data, source), data, actor.username)
        audit.record(session, actor, audit.AuditAction.SETTINGS_CHANGED, None,
                     {"setting": "checklist", "source": source})
        return report


def list_definitions(db: Database) -> list[DefinitionInfo]:
    """The newest version of every checklist, in display order."""
    with db.unit_of_work() as session:
        latest = [versions[max(versions)] for versions in _definitions(session).values()]
        parsed = [(row, _load(row)) for row in latest]
    parsed.sort(key=lambda pair: (pair[1].sort_order, pair[1].key))
    return [DefinitionInfo(row.key, row.version, checklist.title, row.loaded_by, row.loaded_at)
            for row, checklist in parsed]


# ---- a case's checklists ------------------------------------------------------------------------------

def _case(session: Session, complaint: Complaint) -> _Case:
    portrait = latest_portrait(session, complaint.id)
    types: tuple[PsychType | None, PsychType | None] = (None, None)
    if portrait is not None:
        types = (PsychType(portrait.primary_type) if portrait.primary_type else None,
                 PsychType(portrait.secondary_type) if portrait.secondary_type else None)
    stage = Stage(complaint.stage) if complaint.stage and complaint.status == Status.IN_PROGRESS.value else None
    return _Case(stage, types, complaint_flags(complaint), ratings_of(portrait) if portrait else None)


def _runs(session: Session, complaint_id: uuid.UUID) -> dict[str, tuple[ChecklistRun, dict[str, ChecklistTick]]]:
    runs: dict[str, tuple[ChecklistRun, dict[str, ChecklistTick]]] = {
        run.checklist_key: (run, {}) for run in session.scalars(
            select(ChecklistRun).where(ChecklistRun.complaint_id == complaint_id))}
    by_id = {run.id: ticks for run, ticks in runs.values()}
    if by_id:
        for tick in session.scalars(select(ChecklistTick).where(ChecklistTick.run_id.in_(list(by_id)))):
            by_id[tick.run_id][tick.step_key] = tick
    return runs


def _effective(definitions: dict[str, dict[int, ChecklistDefinition]], key: str,
               run: ChecklistRun | None) -> Checklist | None:
    versions = definitions.get(key)
    if not versions:
        return None
    if run is not None:
        row = versions.get(run.checklist_version)
        if row is None:
            raise BugError(f"checklist {key} version {run.checklist_version} of a run is missing")
        return _load(row)
    return _load(versions[max(versions)])


def _user_names(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(list(wanted)))).all()
    return {user_id: name for user_id, name in rows}


def _view(checklist: Checklist, latest: int, case: _Case, run: ChecklistRun | None,
          ticks: dict[str, ChecklistTick], names: dict[uuid.UUID, str]) -> ChecklistView:
    steps: list[StepView] = []
    for step in checklist.steps:
        which, wording = step.wording_for(case.types)
        tick = ticks.get(step.key)
        steps.append(StepView(
            step.key, step.title, step.guidance, wording, which, step.required_before,
            ticked=tick is not None, ticked_by=names.get(tick.ticked_by_id, "") if tick else "",
            ticked_at=tick.ticked_at if tick else None, note=tick.note if tick else ""))
    return ChecklistView(checklist.key, checklist.version, latest, checklist.title, checklist.summary,
                         run is not None, case.applies(checklist), tuple(steps))


def _views(session: Session, complaint: Complaint, only_key: str | None = None) -> list[ChecklistView]:
    definitions = _definitions(session)
    runs = _runs(session, complaint.id)
    case = _case(session, complaint)
    names = _user_names(session, (t.ticked_by_id for _run, ticks in runs.values() for t in ticks.values()))
    found: list[tuple[Checklist, ChecklistView]] = []
    for key, versions in definitions.items():
        if only_key is not None and key != only_key:
            continue
        run, ticks = runs.get(key, (None, {}))
        checklist = _effective(definitions, key, run)
        assert checklist is not None
        if run is None and not case.applies(checklist) and only_key is None:
            continue
        found.append((checklist, _view(checklist, max(versions), case, run, ticks, names)))
    found.sort(key=lambda pair: (pair[0].sort_order, pair[0].key))
    return [view for _checklist, view in found]


def applicable_checklists(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[ChecklistView]:
    """The checklists for the case now (by its step, portrait types and ratings, and flags), plus any it has
    started; each with its steps, who ticked what and when, and the wording for the customer's type."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        return _views(session, complaint)


def get_checklist(db: Database, actor: Actor, complaint_id: uuid.UUID, checklist_key: str) -> ChecklistView:
    """One checklist as the case sees it (pinned version if started), whether it applies now or not."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        return _one(session, complaint, checklist_key)


def _one(session: Session, complaint: Complaint, checklist_key: str) -> ChecklistView:
    views = _views(session, complaint, checklist_key)
    if not views:
        raise NotFoundError(_("There is no checklist {key}.").format(key=checklist_key))
    return views[0]


def _editable(complaint: Complaint) -> None:
    status = Status(complaint.status)
    if status in FINISHED_STATES:
        raise IllegalTransitionError(
            _("The case is '{status}': its checklists can no longer be changed.").format(status=status.label))


def _lock(session: Session, complaint: Complaint) -> None:
    session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())


def tick_step(db: Database, actor: Actor, complaint_id: uuid.UUID, checklist_key: str, step_key: str,
              note: str = "") -> ChecklistView:
    """Tick a step (who and when are recorded, with an optional note). The first tick of a checklist on a
    case pins the case to the checklist's current version."""
    require(actor, Permission.EDIT_CASE)
    text = note.strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(_("The note is longer than {n} characters.").format(n=MAX_NOTE_LENGTH), "note")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        _editable(complaint)
        _lock(session, complaint)
        definitions = _definitions(session)
        runs = _runs(session, complaint.id)
        run, ticks = runs.get(checklist_key, (None, {}))
        checklist = _effective(definitions, checklist_key, run)
        if checklist is None:
            raise NotFoundError(_("There is no checklist {key}.").format(key=checklist_key))
        step = checklist.step(step_key)
        if step is None:
            raise NotFoundError(_("Checklist '{title}' (version {version}) has no step {step}.").format(
                title=checklist.title.text(), version=checklist.version, step=step_key))
        if run is None and not _case(session, complaint).applies(checklist):
            raise ValidationError(_("Checklist '{title}' does not apply to this case at its current step.")
                                  .format(title=checklist.title.text()))
        if step_key in ticks:
            tick = ticks[step_key]
            who = _user_names(session, [tick.ticked_by_id]).get(tick.ticked_by_id, _("someone"))
            tz = ZoneInfo(session.get_one(Branch, complaint.branch_id).timezone)
            raise ValidationError(_("'{step}' was already ticked by {who} at {when}.").format(
                step=step.title.text(), who=who, when=tick.ticked_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
        if run is None:
            run = ChecklistRun(complaint_id=complaint.id, checklist_key=checklist.key,
                               checklist_version=checklist.version, started_by_id=actor.user_id)
            session.add(run)
            session.flush()
        session.add(ChecklistTick(run_id=run.id, step_key=step_key, ticked_by_id=actor.user_id, note=text))
        session.flush()
        append_event(session, complaint.id, ev.ChecklistTicked(
            checklist=checklist.key, version=checklist.version, step=step_key, note=text), actor.user_id)
        return _one(session, complaint, checklist_key)


def untick_step(db: Database, actor: Actor, complaint_id: uuid.UUID, checklist_key: str,
                step_key: str) -> ChecklistView:
    """Take a tick back; the timeline keeps both the tick and its withdrawal."""
    require(actor, Permission.EDIT_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        _editable(complaint)
        _lock(session, complaint)
        run, ticks = _runs(session, complaint.id).get(checklist_key, (None, {}))
        tick = ticks.get(step_key)
        if run is None or tick is None:
            raise NotFoundError(_("The step {step} of checklist {key} is not ticked.").format(
                step=step_key, key=checklist_key))
        session.delete(tick)
        session.flush()
        append_event(session, complaint.id, ev.ChecklistUnticked(
            checklist=checklist_key, version=run.checklist_version, step=step_key,
            ticked_by_id=tick.ticked_by_id, ticked_at=tick.ticked_at), actor.user_id)
        return _one(session, complaint, checklist_key)


# ---- gates --------------------------------------------------------------------------------------------

def missing_for_gate(session: Session, complaint: Complaint, gate: Gate) -> list[tuple[Checklist, list[str]]]:
    """For each checklist that binds the case at ``gate``: the titles of its unticked required steps."""
    definitions = _definitions(session)
    if not definitions:
        return []
    runs = _runs(session, complaint.id)
    case = _case(session, complaint)
    missing: list[tuple[Checklist, list[str]]] = []
    for key in definitions:
        run, ticks = runs.get(key, (None, {}))
        checklist = _effective(definitions, key, run)
        if checklist is None or gate not in checklist.gates() or not case.binds(checklist):
            continue
        steps = checklist.unticked_for(gate, ticks)
        if steps:
            missing.append((checklist, [s.title.text() for s in steps]))
    missing.sort(key=lambda pair: (pair[0].sort_order, pair[0].key))
    return missing


def check_gate(session: Session, complaint: Complaint, gate: str) -> None:
    """Refuse (IllegalTransitionError naming the checklists and steps) while a checklist that applies to
    the case has unticked steps required before ``gate``: ``"action:<action>"`` before a lifecycle action,
    ``"leave:<stage>"`` before moving forward from a handling step. Runs inside the caller's transaction."""
    try:
        parsed = parse_gate(gate)
    except ValueError as exc:
        raise BugError(f"bad gate {gate!r}: {exc}") from exc
    missing = missing_for_gate(session, complaint, parsed)
    if missing:
        chinese = current_language().startswith("zh")
        items = ("；" if chinese else "; ").join(
            _("{checklist}: {steps}").format(checklist=c.title.text(), steps=("、" if chinese else ", ").join(steps))
            for c, steps in missing)
        raise IllegalTransitionError(_("Tick the required checklist steps {when} — {items}.").format(
            when=parsed.describe(), items=items))


# ---- the conversation aid ------------------------------------------------------------------------------

def conversation_aid(db: Database, actor: Actor, complaint_id: uuid.UUID, checklist_key: str,
                     psych_type: PsychType | None = None, language: str = "zh_CN") -> bytes:
    """The one-page PDF for the clerk's desk: the checklist as the case sees it (pinned version) with the
    strategy card of ``psych_type`` (default: the portrait's primary type)."""
    from desk_app.documents.conversation_aid import render_conversation_aid

    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        definitions = _definitions(session)
        run, _ticks = _runs(session, complaint.id).get(checklist_key, (None, {}))
        checklist = _effective(definitions, checklist_key, run)
        if checklist is None:
            raise NotFoundError(_("There is no checklist {key}.").format(key=checklist_key))
        case = _case(session, complaint)
        case_number = complaint.case_number
    types: Sequence[PsychType | None] = (psych_type,) if psych_type else case.types
    return render_conversation_aid(checklist, types, language=language, case_number=case_number)
