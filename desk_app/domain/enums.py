"""Enumerations of the domain. Values are stable English codes stored in the database;
labels are translated (English message ids, Chinese in the catalog) where they are shown."""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry an English label that is translated at display time."""

    @property
    def label(self) -> str:
        return _(_LABELS.get((type(self), self.value), str(self.value)))


class Role(LabelledEnum):
    COUNTER_CLERK = "counter_clerk"
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    BRANCH_MANAGER = "branch_manager"
    HQ_ANALYST = "hq_analyst"
    ADMINISTRATOR = "administrator"


class Status(LabelledEnum):
    """The case lifecycle (DESIGN.md settled decisions)."""

    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESPONDED = "responded"
    AWAITING_CALLBACK = "awaiting_callback"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    UNDER_REVIEW = "under_review"
    MERGED = "merged"
    """A duplicate merged into its main case (desk_app.services.case_links): finished, counted once."""


class LinkKind(LabelledEnum):
    """Why two cases are linked (desk_app.services.case_links)."""

    SAME_CUSTOMER = "same_customer"
    """The same customer's complaint arriving by several channels."""
    REGULATOR_DUPLICATE = "regulator_duplicate"
    """A regulator-transferred duplicate of a counter case."""
    GROUP_MEMBER = "group_member"
    """Members of one group complaint."""


class Stage(LabelledEnum):
    """The six handling steps 听查议析谈行, the stages inside IN_PROGRESS."""

    LISTEN = "listen"
    INVESTIGATE = "investigate"
    DELIBERATE = "deliberate"
    ANALYSE = "analyse"
    NEGOTIATE = "negotiate"
    ACT = "act"


class Severity(LabelledEnum):
    GENERAL = "general"
    SERIOUS = "serious"
    CRITICAL = "critical"


class SpecialFlag(LabelledEnum):
    IRRATIONAL = "irrational"
    GROUP = "group"
    MEDIA = "media"
    REGULATOR = "regulator"
    LITIGATION = "litigation"


class Channel(LabelledEnum):
    """How the complaint reached the office (not the A axis, which is where the business happened)."""

    COUNTER = "counter"
    HOTLINE = "hotline"
    ONLINE = "online"
    EMAIL = "email"
    APP_WEB = "app_web"
    SOCIAL_MEDIA = "social_media"
    LETTER = "letter"
    REGULATOR = "regulator"
    HOTLINE_12315 = "12315"


class Regime(LabelledEnum):
    """Which deadline rules apply."""

    BANKING_INSURANCE = "banking_insurance"
    MARKET_REGULATION = "market_regulation"


class InstitutionType(LabelledEnum):
    BANK = "bank"
    INSURER = "insurer"
    UTILITY = "utility"
    OTHER = "other"


class Complexity(LabelledEnum):
    """Banking/insurance clock: 15 days simple, 30 complex, 60 especially complex (approved)."""

    SIMPLE = "simple"
    COMPLEX = "complex"
    SPECIAL = "special"


class CustomerKind(LabelledEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class IdType(LabelledEnum):
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_PERMANENT = "foreign_permanent"
    CREDIT_CODE = "credit_code"
    OTHER = "other"


class PartyRole(LabelledEnum):
    AGENT = "agent"
    REPRESENTATIVE = "representative"


class PsychType(LabelledEnum):
    SELF_CENTRED = "self_centred"
    RESPECT = "respect"
    FAIRNESS = "fairness"
    REVENGE = "revenge"
    COMPENSATION = "compensation"
    VENTING = "venting"


class RootCauseLevel(LabelledEnum):
    DATA = "data"
    RULES = "rules"
    PROCESS = "process"


class ActionState(LabelledEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ApprovalState(LabelledEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class LetterKind(LabelledEnum):
    RECEIPT = "receipt"
    EXTENSION = "extension"
    DECISION = "decision"
    REFUSAL = "refusal"
    REVIEW_DECISION = "review_decision"


#: Keyed by (enum class, value): members of different enums share values (SpecialFlag.REGULATOR and
#: Channel.REGULATOR are both "regulator", and equal StrEnums are one dict key), so a plain dict gave the
#: flag the channel's label "Transferred by regulator".
_LABEL_PAIRS: tuple[tuple[StrEnum, str], ...] = (
    (Role.COUNTER_CLERK, N_("Counter clerk")),
    (Role.HANDLER, N_("Handler")),
    (Role.SUPERVISOR, N_("Supervisor")),
    (Role.BRANCH_MANAGER, N_("Branch manager")),
    (Role.HQ_ANALYST, N_("HQ analyst")),
    (Role.ADMINISTRATOR, N_("Administrator")),
    (Status.REGISTERED, N_("Registered")),
    (Status.ASSIGNED, N_("Assigned")),
    (Status.IN_PROGRESS, N_("In progress")),
    (Status.RESPONDED, N_("Responded")),
    (Status.AWAITING_CALLBACK, N_("Awaiting callback")),
    (Status.CLOSED, N_("Closed")),
    (Status.REFUSED, N_("Refused")),
    (Status.WITHDRAWN, N_("Withdrawn")),
    (Status.UNDER_REVIEW, N_("Under review")),
    (Status.MERGED, N_("Merged")),
    (LinkKind.SAME_CUSTOMER, N_("Same customer, another channel")),
    (LinkKind.REGULATOR_DUPLICATE, N_("Regulator-transferred duplicate")),
    (LinkKind.GROUP_MEMBER, N_("Member of the same group complaint")),
    (Stage.LISTEN, N_("Listen")),
    (Stage.INVESTIGATE, N_("Investigate")),
    (Stage.DELIBERATE, N_("Deliberate")),
    (Stage.ANALYSE, N_("Analyse")),
    (Stage.NEGOTIATE, N_("Negotiate")),
    (Stage.ACT, N_("Act")),
    (Severity.GENERAL, N_("General")),
    (Severity.SERIOUS, N_("Serious")),
    (Severity.CRITICAL, N_("Critical")),
    (SpecialFlag.IRRATIONAL, N_("Irrational")),
    (SpecialFlag.GROUP, N_("Group complaint")),
    (SpecialFlag.MEDIA, N_("Media risk")),
    (SpecialFlag.REGULATOR, N_("Regulator involved")),
    (SpecialFlag.LITIGATION, N_("Litigation")),
    (Channel.COUNTER, N_("Counter")),
    (Channel.HOTLINE, N_("Hotline")),
    (Channel.ONLINE, N_("Online service")),
    (Channel.EMAIL, N_("Email")),
    (Channel.APP_WEB, N_("App / website")),
    (Channel.SOCIAL_MEDIA, N_("Social media")),
    (Channel.LETTER, N_("Letter")),
    (Channel.REGULATOR, N_("Transferred by regulator")),
    (Channel.HOTLINE_12315, N_("12315 transfer")),
    (Regime.BANKING_INSURANCE, N_("Banking and insurance (calendar days)")),
    (Regime.MARKET_REGULATION, N_("Market regulation (working days)")),
    (InstitutionType.BANK, N_("Bank")),
    (InstitutionType.INSURER, N_("Insurer")),
    (InstitutionType.UTILITY, N_("Utility")),
    (InstitutionType.OTHER, N_("Other service provider")),
    (Complexity.SIMPLE, N_("Simple")),
    (Complexity.COMPLEX, N_("Complex")),
    (Complexity.SPECIAL, N_("Especially complex")),
    (CustomerKind.PERSON, N_("Person")),
    (CustomerKind.ORGANISATION, N_("Organisation")),
    (IdType.RESIDENT_ID, N_("Resident ID card")),
    (IdType.PASSPORT, N_("Passport")),
    (IdType.HK_MACAO_PERMIT, N_("Mainland travel permit (HK/Macao)")),
    (IdType.TAIWAN_PERMIT, N_("Mainland travel permit (Taiwan)")),
    (IdType.FOREIGN_PERMANENT, N_("Foreign permanent resident ID")),
    (IdType.CREDIT_CODE, N_("Unified social credit code")),
    (IdType.OTHER, N_("Other document")),
    (PartyRole.AGENT, N_("Agent")),
    (PartyRole.REPRESENTATIVE, N_("Representative")),
    (PsychType.SELF_CENTRED, N_("Self-centred")),
    (PsychType.RESPECT, N_("Respect-seeking")),
    (PsychType.FAIRNESS, N_("Fairness-seeking")),
    (PsychType.REVENGE, N_("Revenge")),
    (PsychType.COMPENSATION, N_("Compensation-seeking")),
    (PsychType.VENTING, N_("Venting")),
    (RootCauseLevel.DATA, N_("Data")),
    (RootCauseLevel.RULES, N_("Rules and systems")),
    (RootCauseLevel.PROCESS, N_("Logic and process")),
    (ActionState.PLANNED, N_("Planned")),
    (ActionState.IN_PROGRESS, N_("In progress")),
    (ActionState.DONE, N_("Done")),
    (ActionState.CANCELLED, N_("Cancelled")),
    (ApprovalState.PROPOSED, N_("Proposed")),
    (ApprovalState.APPROVED, N_("Approved")),
    (ApprovalState.REJECTED, N_("Rejected")),
    (LetterKind.RECEIPT, N_("Acknowledgement receipt")),
    (LetterKind.EXTENSION, N_("Extension notice")),
    (LetterKind.DECISION, N_("Decision letter")),
    (LetterKind.REFUSAL, N_("Refusal to accept")),
    (LetterKind.REVIEW_DECISION, N_("Review decision")),
)
_LABELS: dict[tuple[type, str], str] = {(type(member), member.value): text for member, text in _LABEL_PAIRS}
