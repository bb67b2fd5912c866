"""Practice-drill scenarios (模拟演练) as data: one TOML file per scripted customer in
``resources/drills/scenarios/``.

A scenario holds the persona (a fictional name, the psychological type, the six portrait ratings), the
complaint as the customer tells it, the customer's statement at each of the six steps 听查议析谈行, the
demand options of which one is the hidden real demand, and per step the moves (checklist items, or the
pitfalls in ``resources/drills/pitfalls.toml``) that calm or inflame the customer, with the reaction::

    key = "bank_card_fee_venting"        # lowercase ascii snake_case, the file's name without .toml
    version = 1
    title_zh = "…"
    title_en = "…"
    institution = "bank"                 # bank, insurer, utility, other
    flags = ["media"]                    # special kinds; [] for an ordinary complaint
    complaint_zh = "…"                   # what the customer says at the counter
    stated_demand_zh = "…"               # what the customer asks for in words

    [persona]
    name = "…"                           # always fictional
    description_zh = "…"
    psych_type = "venting"               # the hidden primary type the trainee has to find
    [persona.portrait]                   # all six dimensions, 1-5; emotion is the mood at the start
    emotion = 4 …

    [[demands]]                          # two to five options; exactly one has real = true
    key = "be_heard"
    text_zh = "…"
    real = true

    [[steps]]                            # six, in the order listen, investigate, deliberate, analyse,
    stage = "listen"                     # negotiate, act
    statement_zh = "…"                   # what the customer says at this step
    no_effect_zh = "…"                   # the reaction when none of the listed moves was used
    lesson_zh = "…"                      # the teaching point, shown in the debrief
    [[steps.moves]]
    move = "strategic_empathy.active_listening"   # <checklist>.<step> or pitfall.<key>
    effect = "calm"                      # calm or inflame
    reaction_zh = "…"

Every ``*_zh`` text may have an ``*_en`` twin (English falls back to Chinese). A move must be one the drill
offers at that step (``desk_app.domain.drill_moves``), so a scenario never scores a move nobody can pick.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import msgspec

from desk_app.domain.drill_moves import offered_moves
from desk_app.domain.enums import InstitutionType, PsychType, SpecialFlag, Stage
from desk_app.domain.portrait import LEVELS, Bilingual, Dimension
from desk_app.domain.toml_data import fail, load_toml, require_version
from desk_app.errors import ValidationError
from desk_app.i18n import N_, _
from desk_app.paths import resources_dir

STAGES = tuple(Stage)
MIN_DEMANDS, MAX_DEMANDS = 2, 5
MAX_TEXT = 1000
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


class Effect(StrEnum):
    CALM = "calm"
    INFLAME = "inflame"

    @property
    def label(self) -> str:
        return _(_EFFECT_LABELS[self])


_EFFECT_LABELS = {Effect.CALM: N_("calms"), Effect.INFLAME: N_("inflames")}


# ---- the file's shape (msgspec checks types, enums and unknown keys) -------------------------------------

class _Doc(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class _Move(_Doc, frozen=True):
    move: str
    effect: Effect
    reaction_zh: str
    reaction_en: str = ""


class _Step(_Doc, frozen=True):
    stage: Stage
    statement_zh: str
    no_effect_zh: str
    lesson_zh: str
    statement_en: str = ""
    no_effect_en: str = ""
    lesson_en: str = ""
    moves: tuple[_Move, ...] = ()


class _Persona(_Doc, frozen=True):
    name: str
    description_zh: str
    psych_type: PsychType
    portrait: dict[Dimension, int]
    description_en: str = ""
    secondary_type: PsychType | None = None


class _Demand(_Doc, frozen=True):
    key: str
    text_zh: str
    text_en: str = ""
    real: bool = False


class _Scenario(_Doc, frozen=True):
    key: str
    version: int
    title_zh: str
    title_en: str
    institution: InstitutionType
    complaint_zh: str
    stated_demand_zh: str
    persona: _Persona
    demands: tuple[_Demand, ...]
    steps: tuple[_Step, ...]
    flags: tuple[SpecialFlag, ...] = ()
    complaint_en: str = ""
    stated_demand_en: str = ""


# ---- the validated scenario ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScriptedMove:
    move: str
    effect: Effect
    reaction: Bilingual


@dataclass(frozen=True)
class StepScript:
    stage: Stage
    statement: Bilingual
    no_effect: Bilingual
    lesson: Bilingual
    moves: tuple[ScriptedMove, ...]

    def scripted(self, effect: Effect) -> tuple[ScriptedMove, ...]:
        return tuple(m for m in self.moves if m.effect is effect)

    def move(self, key: str) -> ScriptedMove | None:
        return next((m for m in self.moves if m.move == key), None)


@dataclass(frozen=True)
class Persona:
    name: str
    description: Bilingual
    psych_type: PsychType
    secondary_type: PsychType | None
    portrait: Mapping[Dimension, int]


@dataclass(frozen=True)
class DemandOption:
    key: str
    text: Bilingual
    real: bool


@dataclass(frozen=True)
class Scenario:
    key: str
    version: int
    title: Bilingual
    institution: InstitutionType
    flags: tuple[SpecialFlag, ...]
    complaint: Bilingual
    stated_demand: Bilingual
    persona: Persona
    demands: tuple[DemandOption, ...]
    steps: tuple[StepScript, ...]

    @property
    def real_demand(self) -> DemandOption:
        return next(d for d in self.demands if d.real)

    @property
    def start_mood(self) -> int:
        return self.persona.portrait[Dimension.EMOTION]

    def step(self, stage: Stage) -> StepScript:
        return next(s for s in self.steps if s.stage is stage)


def parse_scenario(data: bytes, source: str) -> Scenario:
    """Parse and check one scenario file; any problem raises ValidationError naming the file and the rule."""
    _text, doc = load_toml(data, source)
    require_version(doc, source)
    try:
        raw = msgspec.convert(doc, _Scenario)
    except msgspec.ValidationError as exc:
        fail(source, _("the scenario does not have the expected shape: {error}").format(error=exc))
    if not _SNAKE_CASE.fullmatch(raw.key):
        fail(source, _("key {key} must be lowercase ascii snake_case (a-z, 0-9, _)").format(key=raw.key))
    _check_texts(raw, source)
    portrait = _portrait(raw.persona, source)
    if raw.persona.secondary_type is raw.persona.psych_type:
        fail(source, _("persona: the secondary type must differ from the primary type"))
    if len(set(raw.flags)) != len(raw.flags):
        fail(source, _("flags: a special kind is listed twice"))
    demands = _demands(raw.demands, source)
    if tuple(s.stage for s in raw.steps) != STAGES:
        fail(source, _("there must be six [[steps]], one per step in the order {order}").format(
            order=", ".join(s.value for s in STAGES)))
    scenario = Scenario(
        raw.key, raw.version, Bilingual(raw.title_zh, raw.title_en), raw.institution, raw.flags,
        Bilingual(raw.complaint_zh, raw.complaint_en), Bilingual(raw.stated_demand_zh, raw.stated_demand_en),
        Persona(raw.persona.name.strip(), Bilingual(raw.persona.description_zh, raw.persona.description_en),
                raw.persona.psych_type, raw.persona.secondary_type, portrait),
        demands,
        tuple(StepScript(s.stage, Bilingual(s.statement_zh, s.statement_en), Bilingual(s.no_effect_zh, s.no_effect_en),
                         Bilingual(s.lesson_zh, s.lesson_en),
                         tuple(ScriptedMove(m.move, m.effect, Bilingual(m.reaction_zh, m.reaction_en))
                               for m in s.moves))
              for s in raw.steps))
    for step in scenario.steps:
        _check_moves(scenario, step, offered_moves(scenario, step.stage), source)
    return scenario


def _check_texts(raw: _Scenario, source: str) -> None:
    required = {"title_zh": raw.title_zh, "title_en": raw.title_en, "complaint_zh": raw.complaint_zh,
                "stated_demand_zh": raw.stated_demand_zh, "persona.name": raw.persona.name,
                "persona.description_zh": raw.persona.description_zh}
    for n, step in enumerate(raw.steps, 1):
        required |= {f"steps[{n}].statement_zh": step.statement_zh, f"steps[{n}].no_effect_zh": step.no_effect_zh,
                     f"steps[{n}].lesson_zh": step.lesson_zh}
        required |= {f"steps[{n}].moves[{k}].reaction_zh": m.reaction_zh for k, m in enumerate(step.moves, 1)}
    for name, value in required.items():
        if not value.strip():
            fail(source, _("{field} is missing or empty").format(field=name))
        if len(value) > MAX_TEXT:
            fail(source, _("{field} is longer than {max} characters").format(field=name, max=MAX_TEXT))


def _portrait(persona: _Persona, source: str) -> dict[Dimension, int]:
    missing = [d.value for d in Dimension if d not in persona.portrait]
    if missing:
        fail(source, _("persona.portrait: rate every dimension; missing: {missing}").format(
            missing=", ".join(missing)))
    for dimension, level in persona.portrait.items():
        if level not in LEVELS:
            fail(source, _("persona.portrait: {name} must be a whole number from 1 to 5, not {value}").format(
                name=dimension.value, value=level))
    return {d: persona.portrait[d] for d in Dimension}


def _demands(raw: tuple[_Demand, ...], source: str) -> tuple[DemandOption, ...]:
    if not MIN_DEMANDS <= len(raw) <= MAX_DEMANDS:
        fail(source, _("give {low} to {high} [[demands]] options, not {n}").format(
            low=MIN_DEMANDS, high=MAX_DEMANDS, n=len(raw)))
    if sum(d.real for d in raw) != 1:
        fail(source, _("exactly one of the [[demands]] must have real = true"))
    keys = [d.key for d in raw]
    if len(set(keys)) != len(keys):
        fail(source, _("[[demands]]: a key is used twice"))
    for d in raw:
        if not _SNAKE_CASE.fullmatch(d.key) or not d.text_zh.strip():
            fail(source, _("[[demands]] {key}: the key must be snake_case and text_zh given").format(key=d.key))
    return tuple(DemandOption(d.key, Bilingual(d.text_zh, d.text_en), d.real) for d in raw)


def _check_moves(scenario: Scenario, step: StepScript, offered: Mapping[str, object], source: str) -> None:
    if not step.scripted(Effect.CALM):
        fail(source, _("step {stage}: name at least one move that calms the customer").format(stage=step.stage.value))
    seen: set[str] = set()
    for move in step.moves:
        if move.move in seen:
            fail(source, _("step {stage}: the move {move} is listed twice").format(
                stage=step.stage.value, move=move.move))
        seen.add(move.move)
        if move.move not in offered:
            fail(source, _("step {stage}: the move {move} is not offered at this step of this scenario; "
                           "offered: {offered}").format(stage=step.stage.value, move=move.move,
                                                         offered=", ".join(sorted(offered))))


# ---- the shipped scenarios -------------------------------------------------------------------------------

def bundled_scenarios_dir() -> Path:
    return resources_dir() / "drills" / "scenarios"


def load_scenario_file(path: Path) -> Scenario:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(_("{source}: the file cannot be read: {error}").format(source=path, error=exc)) from exc
    scenario = parse_scenario(data, path.name)
    if scenario.key != path.stem:
        fail(path.name, _("key {key} must equal the file name {name}").format(key=scenario.key, name=path.stem))
    return scenario


_CACHE: dict[Path, tuple[Scenario, ...]] = {}


def bundled_scenarios(folder: Path | None = None) -> tuple[Scenario, ...]:
    """Every scenario in ``folder`` (default: the shipped ones), sorted by key; read once per folder."""
    folder = folder or bundled_scenarios_dir()
    if folder not in _CACHE:
        _CACHE[folder] = tuple(load_scenario_file(p) for p in sorted(folder.glob("*.toml")))
    return _CACHE[folder]


def scenario_by_key(key: str) -> Scenario:
    for scenario in bundled_scenarios():
        if scenario.key == key:
            return scenario
    raise ValidationError(_("There is no practice scenario {key}.").format(key=key))
