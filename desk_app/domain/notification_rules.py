"""The reminder rules: which kinds of reminder exist, who is told of each and how early.

The kinds are built in (each needs its own query); who is told and the lead times are data, read from
``resources/notifications/rules.toml`` so an office can change them without a release. A kind missing from
the file is switched off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from desk_app.domain.enums import Role
from desk_app.domain.toml_data import fail, load_toml, require_version
from desk_app.i18n import N_, _
from desk_app.paths import resources_dir


class RuleKind(StrEnum):
    FIRST_CONTACT_DUE = "first_contact_due"
    DEADLINE_SOON = "deadline_soon"
    OVERDUE = "overdue"
    APPROVAL_WAITING = "approval_waiting"
    PROPOSAL_RETURNED = "proposal_returned"
    ESCALATED = "escalated"
    ASSIGNED = "assigned"

    @property
    def label(self) -> str:
        return _(_LABELS[self])


_LABELS = {
    RuleKind.FIRST_CONTACT_DUE: N_("First contact due"),
    RuleKind.DEADLINE_SOON: N_("Deadline soon"),
    RuleKind.OVERDUE: N_("Overdue"),
    RuleKind.APPROVAL_WAITING: N_("Waiting for your approval"),
    RuleKind.PROPOSAL_RETURNED: N_("Your proposal was returned"),
    RuleKind.ESCALATED: N_("Case escalated"),
    RuleKind.ASSIGNED: N_("Case assigned to you"),
}


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    owner: bool = False
    proposer: bool = False
    approver: bool = False
    roles: frozenset[Role] = frozenset()
    lead_hours: int = 0
    lead_days: int = 0
    within_days: int = 30


def default_rules_path() -> Path:
    return resources_dir() / "notifications" / "rules.toml"


def _int(entry: dict[str, Any], key: str, default: int, where: str) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366:
        fail(where, _("{key} must be a whole number from 0 to 366, not {value}").format(key=key, value=value))
    return value


def parse_rules(data: bytes, source: str) -> dict[RuleKind, Rule]:
    """The rules of a rules file, by kind; a ValidationError names the file and the entry at fault."""
    _text, doc = load_toml(data, source)
    require_version(doc, source)
    rules: dict[RuleKind, Rule] = {}
    entries = doc.get("rule", [])
    if not isinstance(entries, list):
        fail(source, _("rule must be a list of [[rule]] tables"))
    for index, entry in enumerate(entries, 1):
        where = f"{source} [[rule]] #{index}"
        if not isinstance(entry, dict):
            fail(where, _("each rule must be a table"))
        unknown = set(entry) - {"code", "owner", "proposer", "approver", "roles", "lead_hours", "lead_days",
                                "within_days"}
        if unknown:
            fail(where, _("unknown keys: {keys}").format(keys=", ".join(sorted(unknown))))
        try:
            kind = RuleKind(str(entry.get("code")))
        except ValueError:
            fail(where, _("unknown rule code {code!r}; known: {known}").format(
                code=entry.get("code"), known=", ".join(k.value for k in RuleKind)))
        if kind in rules:
            fail(where, _("the rule {code} is listed twice").format(code=kind.value))
        roles = entry.get("roles", [])
        if not isinstance(roles, list) or any(r not in {x.value for x in Role} for r in roles):
            fail(where, _("roles must be a list of role codes ({known})").format(
                known=", ".join(r.value for r in Role)))
        flags = {key: entry.get(key, False) for key in ("owner", "proposer", "approver")}
        if any(not isinstance(v, bool) for v in flags.values()):
            fail(where, _("owner, proposer and approver must be true or false"))
        rules[kind] = Rule(kind, roles=frozenset(Role(r) for r in roles),
                           lead_hours=_int(entry, "lead_hours", 0, where), lead_days=_int(entry, "lead_days", 0, where),
                           within_days=_int(entry, "within_days", 30, where), **flags)
    return rules


@cache
def default_rules() -> dict[RuleKind, Rule]:
    path = default_rules_path()
    return parse_rules(path.read_bytes(), path.name)
