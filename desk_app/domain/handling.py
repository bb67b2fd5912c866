"""What each of the six handling steps records, and what must be on record before leaving a step."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from desk_app.domain.enums import Role, Stage
from desk_app.i18n import N_, _


@dataclass(frozen=True)
class StageField:
    key: str
    label_id: str          # English message id, translated where shown
    required: bool = False

    @property
    def label(self) -> str:
        return _(self.label_id)


STAGE_FIELDS: dict[Stage, tuple[StageField, ...]] = {
    Stage.LISTEN: (StageField("real_demand", N_("The real demand behind the request"), True),
                   StageField("emotion", N_("How the customer feels")),
                   StageField("notes", N_("Notes"))),
    Stage.INVESTIGATE: (StageField("findings", N_("Findings"), True),
                        StageField("evidence", N_("Evidence collected")),
                        StageField("responsibility", N_("Responsibility (ours, the customer's, a third party's)"))),
    Stage.DELIBERATE: (StageField("participants", N_("Participants"), True),
                       StageField("options", N_("Options considered")),
                       StageField("decision", N_("Decision of the deliberation"), True)),
    Stage.ANALYSE: (StageField("analysis", N_("Analysis"), True),
                    StageField("basis", N_("Basis: law, contract clause or internal rule"))),
    Stage.NEGOTIATE: (StageField("plan", N_("Negotiation plan and limits")),),
    Stage.ACT: (StageField("action_taken", N_("What was done"), True),),
}

CONTACT_METHODS = ("in_person", "phone", "sms", "email", "letter", "video")
CONTACT_METHOD_LABELS = {"in_person": N_("In person"), "phone": N_("Phone"), "sms": N_("SMS"),
                         "email": N_("E-mail"), "letter": N_("Letter"), "video": N_("Video call")}

#: Compensation each role may approve on its own; above it a head-office approval reference is required.
APPROVAL_LIMITS: dict[Role, Decimal] = {
    Role.SUPERVISOR: Decimal("5000"),
    Role.BRANCH_MANAGER: Decimal("50000"),
}


def missing_for_leaving(stage: Stage, record: dict[str, str]) -> list[str]:
    """Labels of the required fields of ``stage`` that are still empty."""
    return [f.label for f in STAGE_FIELDS[stage] if f.required and not str(record.get(f.key, "")).strip()]
