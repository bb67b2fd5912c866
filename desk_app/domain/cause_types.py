"""The four cause types the course names for a complaint's root cause (DOMAIN.md §2): recorded with the
root cause, beside its level (data / rules and systems / logic and process) and its taxonomy code."""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class CauseType(StrEnum):
    EXTERNAL_MARKET = "external_market"
    RULES_PROCESS_PRODUCT = "rules_process_product"
    SKILL_MISUNDERSTANDING = "skill_misunderstanding"
    COMPLAINANT = "complainant"

    @property
    def label(self) -> str:
        return _(_LABELS[self])


_LABELS: dict[CauseType, str] = {
    CauseType.EXTERNAL_MARKET: N_("External market environment"),
    CauseType.RULES_PROCESS_PRODUCT: N_("Rules, processes and products"),
    CauseType.SKILL_MISUNDERSTANDING: N_("Sales or service skill, misunderstanding"),
    CauseType.COMPLAINANT: N_("The complainant's own reasons"),
}


def root_cause_due(status: str, stage: str | None) -> bool:
    """Whether the case view offers to record the root cause: from the 析 (analysis) step on, and once the
    case has been answered or closed (the services accept a correction at any time)."""
    if status in ("responded", "awaiting_callback", "closed", "under_review"):
        return True
    return status == "in_progress" and stage in ("analyse", "negotiate", "act")
