"""Guided conversations as data: checklists maintained by headquarters in ``resources/checklists/``.

One TOML file per checklist::

    key = "strategic_empathy"          # lowercase ascii snake_case; never changes
    version = 1                        # raise on every change; cases keep the version they started with
    title_zh = "策略性同理心五步"
    title_en = "Five steps of strategic empathy"
    summary_zh = "…"                   # optional, like summary_en
    sort_order = 10                    # optional, display order

    [applies]                          # when the checklist applies; an empty or missing list = always
    stages = ["listen", "negotiate"]   # handling steps 听查议析谈行 (listen … act)
    psych_types = []                   # the portrait's primary or secondary type is one of these
    flags = []                         # the case has one of these special flags
    ratings_at_least = { demand = 4 }  # optional: the latest portrait rates these at least so high

    [[steps]]
    key = "active_listening"
    title_zh = "积极倾听"
    title_en = "Active listening"
    guidance_zh = "…"                  # required; guidance_en optional
    required_before = ["leave:listen"] # gates: "action:<action>" or "leave:<stage>"

    [steps.wording.default]            # suggested wording: default and/or per psychological type
    zh = "…"
    en = "…"
    [steps.wording.venting]
    zh = "…"

All criteria must hold (stage AND type AND flag AND rating); within one list any value will do.

Gates. ``action:<action>`` blocks a lifecycle action (``action:respond``), ``leave:<stage>`` blocks
moving forward from a handling step. A gate binds when its checklist applies to the case by type,
flag and rating, whatever the current step; so that the step is on screen when the gate is checked,
a ``leave:<stage>`` gate needs its stage among the checklist's stages (or no stages), ``action:respond``
needs the negotiate or act step (or no stages), and any other action needs a checklist without
stages. Recording a withdrawal can never be gated: the customer may withdraw at any time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from desk_app.domain.enums import PsychType, SpecialFlag, Stage
from desk_app.domain.portrait import LEVELS, Bilingual, Dimension
from desk_app.domain.toml_data import load_toml as _load
from desk_app.domain.workflow import RESPONSE_STAGES, Action
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.paths import resources_dir

DEFAULT_WORDING = "default"
MAX_KEY_LENGTH = 60
MAX_TITLE_LENGTH = 120
MAX_TEXT_LENGTH = 2000
UNGATEABLE_ACTIONS = frozenset({Action.WITHDRAW})
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_TOP_KEYS = ("key", "version", "title_zh", "title_en", "summary_zh", "summary_en", "sort_order", "applies",
             "steps")
_APPLIES_KEYS = ("stages", "psych_types", "flags", "ratings_at_least")
_E = TypeVar("_E", Stage, PsychType, SpecialFlag)
_STEP_KEYS = ("key", "title_zh", "title_en", "guidance_zh", "guidance_en", "required_before", "wording")


@dataclass(frozen=True, order=True)
class Gate:
    """A point in the case's life that unticked required steps block: ``action:respond``, ``leave:listen``."""

    kind: str      # "action" or "leave"
    target: str    # an Action value or a Stage value

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"

    def describe(self) -> str:
        if self.kind == "action":
            return _("before '{action}'").format(action=Action(self.target).label)
        return _("before moving on from the step '{stage}'").format(stage=Stage(self.target).label)


def parse_gate(text: str) -> Gate:
    """``"action:respond"`` → Gate; a malformed gate raises ValueError with the reason."""
    kind, sep, target = text.strip().partition(":")
    if not sep:
        raise ValueError(_("a gate is written action:<action> or leave:<stage>, not {gate}").format(gate=text))
    if kind == "action":
        if target not in Action.__members__.values():
            raise ValueError(_("unknown action {target} in {gate}; actions: {allowed}").format(
                target=target, gate=text, allowed=", ".join(a.value for a in Action)))
    elif kind == "leave":
        if target not in Stage.__members__.values():
            raise ValueError(_("unknown step {target} in {gate}; steps: {allowed}").format(
                target=target, gate=text, allowed=", ".join(s.value for s in Stage)))
    else:
        raise ValueError(_("a gate is written action:<action> or leave:<stage>, not {gate}").format(gate=text))
    return Gate(kind, target)


@dataclass(frozen=True)
class Applicability:
    stages: frozenset[Stage] = frozenset()
    psych_types: frozenset[PsychType] = frozenset()
    flags: frozenset[SpecialFlag] = frozenset()
    ratings_at_least: Mapping[Dimension, int] = field(default_factory=dict)

    def applies_to_case(self, types: Iterable[PsychType], flags: Iterable[SpecialFlag],
                        ratings: Mapping[Dimension, int] | None) -> bool:
        """Type, flag and rating criteria (the current step aside): this is when a gate binds."""
        if self.psych_types and not self.psych_types & set(types):
            return False
        if self.flags and not self.flags & set(flags):
            return False
        if self.ratings_at_least:
            if ratings is None:
                return False
            if any(ratings.get(d, 0) < level for d, level in self.ratings_at_least.items()):
                return False
        return True

    def applies(self, stage: Stage | None, types: Iterable[PsychType], flags: Iterable[SpecialFlag],
                ratings: Mapping[Dimension, int] | None) -> bool:
        if self.stages and stage not in self.stages:
            return False
        return self.applies_to_case(types, flags, ratings)


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: Bilingual
    guidance: Bilingual
    wording: Mapping[str, Bilingual]
    required_before: tuple[Gate, ...] = ()

    def wording_for(self, types: Sequence[PsychType | None]) -> tuple[str | None, Bilingual | None]:
        """The suggested wording for the first of ``types`` (primary, then secondary) that has its own,
        else the default; returns (which: a type value, "default" or None, the text)."""
        for psych_type in types:
            if psych_type is not None and psych_type.value in self.wording:
                return psych_type.value, self.wording[psych_type.value]
        if DEFAULT_WORDING in self.wording:
            return DEFAULT_WORDING, self.wording[DEFAULT_WORDING]
        return None, None


@dataclass(frozen=True)
class Checklist:
    key: str
    version: int
    title: Bilingual
    summary: Bilingual
    sort_order: int
    applies: Applicability
    steps: tuple[ChecklistStep, ...]

    def step(self, key: str) -> ChecklistStep | None:
        return next((s for s in self.steps if s.key == key), None)

    def gates(self) -> frozenset[Gate]:
        return frozenset(g for s in self.steps for g in s.required_before)

    def unticked_for(self, gate: Gate, ticked: Iterable[str]) -> list[ChecklistStep]:
        """The steps required before ``gate`` that are not in ``ticked``."""
        done = set(ticked)
        return [s for s in self.steps if gate in s.required_before and s.key not in done]


def bundled_checklists_dir() -> Path:
    return resources_dir() / "checklists"


def bundled_checklist_files() -> list[Path]:
    return sorted(bundled_checklists_dir().glob("*.toml"))


# ---- parsing ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Where:
    source: str
    place: str = ""

    def fail(self, problem: str) -> NoReturn:
        prefix = f"{self.source}: {self.place}: " if self.place else f"{self.source}: "
        raise ValidationError(prefix + problem)

    def text(self, data: Mapping[str, Any], name: str, *, required: bool = False,
             max_length: int = MAX_TEXT_LENGTH) -> str:
        value = data.get(name, "")
        if not isinstance(value, str):
            self.fail(_("{field} must be text in quotes").format(field=name))
        value = value.strip()
        if required and not value:
            self.fail(_("{field} is missing or empty").format(field=name))
        if len(value) > max_length:
            self.fail(_("{field} is longer than {max} characters").format(field=name, max=max_length))
        return value

    def only(self, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for name in data:
            if name not in allowed:
                self.fail(_("unknown field {field}; allowed fields: {allowed}").format(
                    field=name, allowed=", ".join(allowed)))


def parse_checklist(data: bytes, source: str) -> Checklist:
    """Parse and validate one checklist file; any problem raises ValidationError naming the file, the
    step (number, line and key) and the rule broken."""
    text, doc = _load(data, source)
    top = _Where(source)
    top.only(doc, _TOP_KEYS)
    key = top.text(doc, "key", required=True, max_length=MAX_KEY_LENGTH)
    if not _SNAKE_CASE.fullmatch(key):
        top.fail(_("key {key} must be lowercase ascii snake_case (a-z, 0-9, _)").format(key=key))
    version = _whole(doc, "version", top, minimum=1, required=True)
    title = Bilingual(top.text(doc, "title_zh", required=True, max_length=MAX_TITLE_LENGTH),
                      top.text(doc, "title_en", required=True, max_length=MAX_TITLE_LENGTH))
    summary = Bilingual(top.text(doc, "summary_zh"), top.text(doc, "summary_en"))
    sort_order = _whole(doc, "sort_order", top, minimum=-(2**31))
    applies = _applies(doc.get("applies", {}), _Where(source, "[applies]"))
    raw_steps = doc.get("steps")
    if not raw_steps:
        top.fail(_("there are no [[steps]] entries"))
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        top.fail(_("steps must be written as [[steps]] tables"))
    lines = _header_lines(text, "steps", len(raw_steps))
    steps: list[ChecklistStep] = []
    seen: dict[str, str] = {}
    for n, raw in enumerate(raw_steps, 1):
        place = (_("[[steps]] entry {n} (line {line})").format(n=n, line=lines[n - 1]) if lines
                 else _("[[steps]] entry {n}").format(n=n))
        raw_key = raw.get("key")
        if isinstance(raw_key, str) and raw_key.strip():
            place = f"{place} {raw_key.strip()}"
        where = _Where(source, place)
        step = _step(raw, where, applies)
        if step.key in seen:
            where.fail(_("step key {key} is already used by {other}").format(key=step.key, other=seen[step.key]))
        seen[step.key] = place
        steps.append(step)
    return Checklist(key, version, title, summary, sort_order, applies, tuple(steps))


def _step(raw: Mapping[str, Any], where: _Where, applies: Applicability) -> ChecklistStep:
    where.only(raw, _STEP_KEYS)
    key = where.text(raw, "key", required=True, max_length=MAX_KEY_LENGTH)
    if not _SNAKE_CASE.fullmatch(key):
        where.fail(_("key {key} must be lowercase ascii snake_case (a-z, 0-9, _)").format(key=key))
    title = Bilingual(where.text(raw, "title_zh", required=True, max_length=MAX_TITLE_LENGTH),
                      where.text(raw, "title_en", required=True, max_length=MAX_TITLE_LENGTH))
    guidance = Bilingual(where.text(raw, "guidance_zh", required=True), where.text(raw, "guidance_en"))
    gates = _gates(raw.get("required_before", []), where, applies)
    wording = _wording(raw.get("wording", {}), where, applies)
    return ChecklistStep(key, title, guidance, wording, gates)


def _gates(value: object, where: _Where, applies: Applicability) -> tuple[Gate, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        where.fail(_("required_before must be a list of gates in quotes, such as [\"action:respond\"]"))
    gates: list[Gate] = []
    for text in value:
        try:
            gate = parse_gate(text)
        except ValueError as exc:
            where.fail(_("required_before: {problem}").format(problem=exc))
        if gate in gates:
            where.fail(_("required_before: {gate} is listed twice").format(gate=gate))
        _check_gate_reachable(gate, where, applies)
        gates.append(gate)
    return tuple(gates)


def _check_gate_reachable(gate: Gate, where: _Where, applies: Applicability) -> None:
    stages = applies.stages
    if gate.kind == "leave":
        if stages and Stage(gate.target) not in stages:
            where.fail(_("required_before: {gate} needs the step {stage} among the checklist's stages "
                         "(otherwise the step is not shown when it is required)").format(gate=gate, stage=gate.target))
        return
    action = Action(gate.target)
    if action in UNGATEABLE_ACTIONS:
        where.fail(_("required_before: {gate} is not allowed: a withdrawal is recorded whenever the customer "
                     "asks").format(gate=gate))
    if action is Action.RESPOND:
        if stages and not stages & RESPONSE_STAGES:
            where.fail(_("required_before: {gate} needs the negotiate or act step among the checklist's stages")
                       .format(gate=gate))
    elif stages:
        where.fail(_("required_before: {gate} happens outside the handling steps; list no stages in "
                     "[applies] for this checklist").format(gate=gate))


def _wording(value: object, where: _Where, applies: Applicability) -> dict[str, Bilingual]:
    if not isinstance(value, dict):
        where.fail(_("wording must be tables such as [steps.wording.default] with zh and en"))
    allowed = (DEFAULT_WORDING, *(t.value for t in PsychType))
    result: dict[str, Bilingual] = {}
    for name, body in value.items():
        if name not in allowed:
            where.fail(_("wording.{name}: unknown; use default or a psychological type: {allowed}").format(
                name=name, allowed=", ".join(allowed)))
        if applies.psych_types and name != DEFAULT_WORDING and PsychType(name) not in applies.psych_types:
            where.fail(_("wording.{name}: this checklist applies only to {types}, so this wording is never "
                         "shown").format(name=name, types=", ".join(sorted(t.value for t in applies.psych_types))))
        if not isinstance(body, dict):
            where.fail(_("wording.{name} must be a table with zh and en").format(name=name))
        inner = _Where(where.source, f"{where.place} wording.{name}")
        inner.only(body, ("zh", "en"))
        result[name] = Bilingual(inner.text(body, "zh", required=True), inner.text(body, "en"))
    return result


def _applies(value: object, where: _Where) -> Applicability:
    if not isinstance(value, dict):
        where.fail(_("[applies] must be a table with stages, psych_types, flags"))
    where.only(value, _APPLIES_KEYS)
    stages = _enum_list(value, "stages", Stage, where)
    types = _enum_list(value, "psych_types", PsychType, where)
    flags = _enum_list(value, "flags", SpecialFlag, where)
    ratings_raw = value.get("ratings_at_least", {})
    if not isinstance(ratings_raw, dict):
        where.fail(_("ratings_at_least must be a table such as {{ demand = 4 }}"))
    ratings: dict[Dimension, int] = {}
    for name, level in ratings_raw.items():
        if name not in Dimension.__members__.values():
            where.fail(_("ratings_at_least: unknown dimension {name}; dimensions: {allowed}").format(
                name=name, allowed=", ".join(d.value for d in Dimension)))
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            where.fail(_("ratings_at_least: {name} must be a whole number from 1 to 5").format(name=name))
        ratings[Dimension(name)] = level
    return Applicability(frozenset(stages), frozenset(types), frozenset(flags), ratings)


def _enum_list(data: Mapping[str, Any], name: str, enum: type[_E], where: _Where) -> list[_E]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        where.fail(_("{field} must be a list of codes in quotes").format(field=name))
    allowed = [m.value for m in enum]
    result: list[_E] = []
    for item in value:
        if item not in allowed:
            where.fail(_("{field}: unknown value {value}; allowed: {allowed}").format(
                field=name, value=item, allowed=", ".join(allowed)))
        member = enum(item)
        if member in result:
            where.fail(_("{field}: {value} is listed twice").format(field=name, value=item))
        result.append(member)
    return result


def _whole(doc: Mapping[str, Any], name: str, where: _Where, *, minimum: int, required: bool = False) -> int:
    if name not in doc:
        if required:
            where.fail(_("{field} is missing; write a line such as {field} = 1").format(field=name))
        return 0
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value < 2**31:
        where.fail(_("{field} must be a whole number of at least {min}, not {value}").format(
            field=name, min=minimum, value=value))
    return value


def _header_lines(text: str, key: str, count: int) -> list[int]:
    header = re.compile(rf"\s*\[\[\s*[\"']?{re.escape(key)}[\"']?\s*\]\]")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]
    return lines if len(lines) == count else []


