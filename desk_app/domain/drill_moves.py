"""The moves a trainee may pick at a step of a drill: the checklist items the case view would show at that
step (the shipped checklists of ``resources/checklists/``, chosen by step, special kinds and portrait as
for a real case), and the common pitfalls of ``resources/drills/pitfalls.toml``.

A move's key is ``<checklist>.<step>`` or ``pitfall.<key>``. The checklists are chosen without the
persona's psychological type (that is what the trainee has to find), and of the six-step checklist only the
item of the current step is offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk_app.domain.checklist import Checklist, bundled_checklist_files, parse_checklist
from desk_app.domain.enums import Stage
from desk_app.domain.portrait import Bilingual
from desk_app.domain.toml_data import fail, load_toml, require_version
from desk_app.i18n import _
from desk_app.paths import resources_dir

if TYPE_CHECKING:
    from desk_app.domain.drill_scenario import Scenario

PITFALL = "pitfall"
SIX_STEPS = "six_swords"
#: Pitfalls sort after every checklist item (whose order is the checklist's sort_order × 100 + the step's).
PITFALLS_LAST = 2**40


@dataclass(frozen=True)
class DrillMove:
    """One choice at a step. ``group`` names where it comes from (the checklist's title, or the pitfalls)."""

    key: str
    title: Bilingual
    guidance: Bilingual
    group: Bilingual
    sort_order: int

    @property
    def is_pitfall(self) -> bool:
        return self.key.startswith(PITFALL + ".")


def pitfalls_file() -> Path:
    return resources_dir() / "drills" / "pitfalls.toml"


def parse_pitfalls(data: bytes, source: str) -> tuple[DrillMove, ...]:
    """The pitfalls file: ``version`` and ``[[pitfalls]]`` with key, title_zh, title_en, guidance_zh."""
    _text, doc = load_toml(data, source)
    require_version(doc, source)
    raw = doc.get("pitfalls")
    if not isinstance(raw, list) or not raw or not all(isinstance(p, dict) for p in raw):
        fail(source, _("the pitfalls must be written as [[pitfalls]] tables"))
    group = Bilingual("常见误区", "Common pitfalls")
    moves: list[DrillMove] = []
    for n, item in enumerate(raw, 1):
        texts = {name: item.get(name, "") for name in ("key", "title_zh", "title_en", "guidance_zh", "guidance_en")}
        if set(item) - set(texts) or not all(isinstance(v, str) for v in texts.values()):
            fail(source, _("[[pitfalls]] entry {n}: only key, title_zh, title_en, guidance_zh and guidance_en, "
                           "as text in quotes").format(n=n))
        if not (texts["key"] and texts["title_zh"] and texts["guidance_zh"]):
            fail(source, _("[[pitfalls]] entry {n}: key, title_zh and guidance_zh are required").format(n=n))
        moves.append(DrillMove(f"{PITFALL}.{texts['key']}", Bilingual(texts["title_zh"], texts["title_en"]),
                               Bilingual(texts["guidance_zh"], texts["guidance_en"]), group, PITFALLS_LAST + n))
    if len({m.key for m in moves}) != len(moves):
        fail(source, _("[[pitfalls]]: a key is used twice"))
    return tuple(moves)


_LOADED: dict[str, Any] = {}


def shipped_checklists() -> tuple[Checklist, ...]:
    if "checklists" not in _LOADED:
        _LOADED["checklists"] = tuple(sorted(
            (parse_checklist(p.read_bytes(), p.name) for p in bundled_checklist_files()),
            key=lambda c: (c.sort_order, c.key)))
    result: tuple[Checklist, ...] = _LOADED["checklists"]
    return result


def shipped_pitfalls() -> tuple[DrillMove, ...]:
    if "pitfalls" not in _LOADED:
        path = pitfalls_file()
        _LOADED["pitfalls"] = parse_pitfalls(path.read_bytes(), path.name)
    result: tuple[DrillMove, ...] = _LOADED["pitfalls"]
    return result


def offered_moves(scenario: Scenario, stage: Stage) -> dict[str, DrillMove]:
    """The moves offered at ``stage`` of ``scenario``, in display order (checklists, then pitfalls)."""
    moves: dict[str, DrillMove] = {}
    for checklist in shipped_checklists():
        if not checklist.applies.applies(stage, (), scenario.flags, scenario.persona.portrait):
            continue
        for n, step in enumerate(checklist.steps):
            if checklist.key == SIX_STEPS and step.key != stage.value:
                continue
            key = f"{checklist.key}.{step.key}"
            moves[key] = DrillMove(key, step.title, step.guidance, checklist.title, checklist.sort_order * 100 + n)
    for pitfall in shipped_pitfalls():
        moves[pitfall.key] = pitfall
    return moves


def describe_move(key: str) -> Bilingual:
    """The title of any move key (for a debrief of moves no longer offered: the key itself)."""
    for pitfall in shipped_pitfalls():
        if pitfall.key == key:
            return pitfall.title
    checklist_key, _sep, step_key = key.partition(".")
    for checklist in shipped_checklists():
        if checklist.key == checklist_key and (step := checklist.step(step_key)) is not None:
            return step.title
    return Bilingual(key, key)
