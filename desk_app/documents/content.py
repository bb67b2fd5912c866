"""What a letter says: the inputs a handler gives, the case facts the program supplies, the content
check (a letter lacking a mandatory element cannot be issued) and the composed, render-ready content.

Pure Python, no database and no reportlab: ``desk_app.services.letters`` gathers the facts and
``desk_app.documents.render`` draws the result.

Mandatory elements (REGULATION.md §4, DOMAIN.md §2):

- receipt (受理回执): case number, what the complaint is about (shortened with "…" to fit), what was
  received, the handler, the deadline, how to follow up
  (a telephone number: the branch hotline unless one is given);
- extension notice (延期告知书): a recorded extension (new date), its reason, and the approver when the
  time limit goes to 60 days (especially complex);
- decision letter (处理决定书): what the complaint is about and the request, how the complaint was verified, the
  decision with its basis and reasons, a remedy only with a description, an amount above zero and a
  date, the extension (approver and the date the customer was told) when one was used, the recourse
  (核查 in writing to the named superior institution within 30 days with its contact details,
  mediation, arbitration, litigation) and a contact telephone number;
- refusal (不予受理告知书): grounds and basis, a contact telephone number;
- review decision (核查决定): the date of the application, the findings, the decision with basis and
  reasons, a remedy as above, a contact telephone number.

What the complaint is about is a summary written for the customer (``desk_app.documents.summary``),
never the intake's facts: those are the clerk's record and may carry internal remarks. ``CaseFacts``
therefore does not hold the facts at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from desk_app.documents.formatting import amount_in_capitals, amount_in_figures, letter_date
from desk_app.documents.letter import Block, LetterContent, Letterhead, LetterLabels
from desk_app.documents.summary import IntakeWords, shorten, suggest_summary
from desk_app.documents.templates import KIND_SPECS, CommonTexts, LetterTemplate
from desk_app.domain.enums import Complexity, LetterKind
from desk_app.domain.validation import parse_amount
from desk_app.errors import BugError, ValidationError
from desk_app.i18n import N_, _

REVIEW_DAYS = 30
MAX_INPUT = 5000
#: The receipt's 投诉事项 cell: about three lines of the table (columns; a Chinese character takes two).
RECEIPT_SUMMARY_WIDTH = 160


class DeliveryMethod(StrEnum):
    HANDED_OVER = "handed_over"
    POST = "post"
    SMS = "sms"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return _(_DELIVERY_LABELS[self])


_DELIVERY_LABELS = {
    DeliveryMethod.HANDED_OVER: N_("Handed over"),
    DeliveryMethod.POST: N_("Post"),
    DeliveryMethod.SMS: N_("SMS"),
    DeliveryMethod.EMAIL: N_("E-mail"),
}

LETTER_NUMBER_CODES: dict[LetterKind, str] = {
    LetterKind.RECEIPT: "SL",          # 受理
    LetterKind.EXTENSION: "YQ",        # 延期
    LetterKind.DECISION: "JD",         # 决定
    LetterKind.REFUSAL: "BY",          # 不予受理
    LetterKind.REVIEW_DECISION: "HC",  # 核查
}


# --- inputs (what the handler types) ---------------------------------------------------------------

@dataclass(frozen=True)
class Remedy:
    """Money paid or refunded: all three parts are mandatory. Non-monetary measures are a
    ``corrective_action``."""

    description: str = ""
    amount: str | None = None  # as typed; parse_amount checks it
    due_on: date | None = None


@dataclass(frozen=True)
class ReceiptInputs:
    summary: str = ""
    """What the complaint is about, written for the customer. Default: suggested from the intake's request
    and classification (never the facts)."""
    received_items: tuple[str, ...] = ()
    """Default: the registration itself and the case's attachments."""
    contact_phone: str = ""
    """Default: the branch hotline."""


@dataclass(frozen=True)
class ExtensionInputs:
    reason: str = ""
    """Default: the reason recorded with the extension."""
    contact_phone: str = ""


@dataclass(frozen=True)
class DecisionInputs:
    verification: str = ""
    decision: str = ""
    basis: str = ""
    reasons: str = ""
    remedy: Remedy | None = None
    corrective_action: str = ""
    summary: str = ""
    """What the complaint is about, written for the customer. Default: suggested from the intake's
    classification (never the facts); the request follows on its own line."""
    superior_institution: str = ""
    """Default: the branch's superior institution."""
    superior_contact: str = ""
    mediation_body: str = ""
    """Default: from common.toml."""
    contact_person: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class RefusalInputs:
    grounds: str = ""
    """Default: the reason recorded with the refusal."""
    basis: str = ""
    superior_institution: str = ""
    superior_contact: str = ""
    mediation_body: str = ""
    contact_person: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class ReviewDecisionInputs:
    findings: str = ""
    decision: str = ""
    basis: str = ""
    reasons: str = ""
    remedy: Remedy | None = None
    corrective_action: str = ""
    mediation_body: str = ""
    contact_person: str = ""
    contact_phone: str = ""


LetterInputs = ReceiptInputs | ExtensionInputs | DecisionInputs | RefusalInputs | ReviewDecisionInputs

INPUT_TYPES: dict[LetterKind, type[LetterInputs]] = {
    LetterKind.RECEIPT: ReceiptInputs,
    LetterKind.EXTENSION: ExtensionInputs,
    LetterKind.DECISION: DecisionInputs,
    LetterKind.REFUSAL: RefusalInputs,
    LetterKind.REVIEW_DECISION: ReviewDecisionInputs,
}


def default_inputs(kind: LetterKind) -> LetterInputs:
    return INPUT_TYPES[kind]()


# --- facts (what the program knows) ------------------------------------------------------------------

@dataclass(frozen=True)
class IssuerInfo:
    """The issuing branch: its letterhead and where a review goes."""

    code: str
    name: str
    name_en: str = ""
    address: str = ""
    hotline: str = ""
    superior_institution: str = ""
    superior_contact: str = ""
    logo_path: str = ""
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class ExtensionFact:
    complexity: str
    new_due_on: date
    old_due_on: date | None = None
    approver: str = ""
    reason: str = ""
    told_on: date | None = None
    """The day the extension notice was issued, if one was."""


@dataclass(frozen=True)
class PriorLetter:
    number: str
    issued_on: date


@dataclass(frozen=True)
class CaseFacts:
    case_number: str
    received_on: date
    channel: str
    regime: str
    customer_name: str
    due_on: date
    handler_name: str
    intake: IntakeWords = field(default_factory=IntakeWords)
    """What a letter may take from the intake to suggest the summary; never the facts or notes."""
    request_kinds: tuple[tuple[str, str], ...] = ()
    """(Chinese name, English name) of each request kind."""
    request_text: str = ""
    claimed_amount: Decimal | None = None
    attachments: tuple[str, ...] = ()
    extension: ExtensionFact | None = None
    refusal_reason: str = ""
    review_applied_on: date | None = None
    original_decision: PriorLetter | None = None


@dataclass(frozen=True)
class Correction:
    old_number: str
    old_issued_on: date
    reason: str


# --- the check ---------------------------------------------------------------------------------------

class LetterContentError(ValidationError):
    """A letter lacks mandatory elements; ``missing`` lists their codes (e.g. ``basis``, ``remedy.amount``)."""

    def __init__(self, kind: LetterKind, missing: list[tuple[str, str]]) -> None:
        self.kind = kind
        self.missing = tuple(code for code, _text in missing)
        super().__init__(
            _("The {letter} cannot be issued. Missing: {missing}.").format(
                letter=kind.label.lower() if kind.label else kind.value,
                missing="; ".join(text for _code, text in missing)),
            self.missing[0] if self.missing else None)


_DESCRIPTIONS: dict[str, str] = {
    "received_items": N_("what was received"),
    "contact_phone": N_("a telephone number for follow-up (set the branch hotline, or give one)"),
    "extension": N_("a recorded extension (extend the case first)"),
    "extension_reason": N_("the reason for the extension"),
    "approver": N_("the approver of the extension to 60 days"),
    "extension.told_on": N_("the date the customer was told of the extension to 60 days (issue the extension "
                            "notice first)"),
    "summary": N_("what the complaint is about, written for the customer"),
    "request": N_("the customer's request"),
    "verification": N_("how the complaint was verified"),
    "decision": N_("the decision"),
    "basis": N_("the basis for the decision (law, contract clause or rule)"),
    "reasons": N_("the reasons for the decision"),
    "remedy.description": N_("what the remedy is"),
    "remedy.amount": N_("the amount of the remedy (above zero)"),
    "remedy.due_on": N_("the date by which the remedy is paid or carried out"),
    "superior_institution": N_("the superior institution that reviews the decision (recourse; set it in the "
                               "branch settings)"),
    "superior_contact": N_("the superior institution's contact details (recourse; set them in the branch "
                           "settings)"),
    "grounds": N_("the grounds for refusing the complaint"),
    "refusal.basis": N_("the basis for the refusal (the rule that applies)"),
    "review_applied_on": N_("the date the customer applied for review (record the application first)"),
    "findings": N_("what the review examined and found"),
}


class _Checker:
    def __init__(self) -> None:
        self.missing: list[tuple[str, str]] = []

    def need(self, code: str, value: object) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.missing.append((code, _(_DESCRIPTIONS[code])))

    def fail(self, code: str) -> None:
        self.missing.append((code, _(_DESCRIPTIONS[code])))


def _clean(text: str, field_name: str) -> str:
    value = " ".join(text.split()) if "\n" not in text else "\n".join(line.strip() for line in text.splitlines())
    value = value.strip()
    if len(value) > MAX_INPUT:
        raise ValidationError(_("The text is too long (at most {n} characters).").format(n=MAX_INPUT), field_name)
    return value


@dataclass
class _Values:
    fields: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


class _Composer:
    def __init__(self, kind: LetterKind, facts: CaseFacts, issuer: IssuerInfo, common: CommonTexts,
                 language: str, day: date) -> None:
        self.kind = kind
        self.facts = facts
        self.issuer = issuer
        self.common = common
        self.language = language
        self.english = language == "en"
        self.day = day
        self.check = _Checker()
        self.values = _Values()
        self.complaint_summary = ""

    def date(self, day: date) -> str:
        return letter_date(day, self.language)

    def word(self, table: str, code: str) -> str:
        return self.common.word(self.language, table, code)

    def label(self, key: str) -> str:
        return self.common.label(self.language, key)

    def base(self, contact_person: str = "", contact_phone: str = "") -> None:
        f = self.facts
        phone = _clean(contact_phone, "contact_phone") or self.issuer.hotline.strip()
        self.values.fields.update({
            "customer_name": f.customer_name,
            "case_number": f.case_number,
            "received_date": self.date(f.received_on),
            "channel": self.word("channel", f.channel),
            "branch_name": self.issuer_name(),
            "handler": f.handler_name,
            "hotline": self.issuer.hotline.strip(),
            "letter_date": self.date(self.day),
            "rule_name": self.word("rule_name", f.regime),
            "contact_person": _clean(contact_person, "contact_person") or f.handler_name,
            "contact_phone": phone,
        })
        self.check.need("contact_phone", phone)

    def issuer_name(self) -> str:
        return (self.issuer.name_en or self.issuer.name) if self.english else self.issuer.name

    def amount(self, prefix: str, amount: Decimal) -> None:
        self.values.fields[f"{prefix}_figures"] = amount_in_figures(amount)
        self.values.fields[f"{prefix}_capital"] = amount_in_capitals(amount)

    def remedy(self, remedy: Remedy | None, corrective_action: str) -> None:
        action = _clean(corrective_action, "corrective_action")
        self.values.fields["corrective_action"] = action
        if action:
            self.values.flags.add("corrective_action")
        for name in ("remedy_description", "remedy_amount_figures", "remedy_amount_capital", "remedy_due_date"):
            self.values.fields[name] = ""
        if remedy is None:
            return
        self.values.flags.add("remedy")
        description = _clean(remedy.description, "remedy.description")
        self.check.need("remedy.description", description)
        self.values.fields["remedy_description"] = description
        amount = parse_amount(remedy.amount, "remedy.amount")
        if amount is None or amount <= 0:
            self.check.fail("remedy.amount")
        else:
            self.amount("remedy_amount", amount)
        self.check.need("remedy.due_on", remedy.due_on)
        if remedy.due_on is not None:
            self.values.fields["remedy_due_date"] = self.date(remedy.due_on)

    def recourse(self, institution: str, contact: str, mediation: str, required: bool) -> None:
        institution = _clean(institution, "superior_institution") or self.issuer.superior_institution.strip()
        contact = _clean(contact, "superior_contact") or self.issuer.superior_contact.strip()
        if required:
            self.check.need("superior_institution", institution)
            self.check.need("superior_contact", contact)
        elif institution and contact:
            self.values.flags.add("superior")
        self.values.fields.update({
            "superior_institution": institution,
            "superior_contact": " ".join(contact.split()),
            "review_days": str(REVIEW_DAYS),
        })
        self.mediation(mediation)

    def mediation(self, mediation: str) -> None:
        self.values.fields["mediation_body"] = _clean(mediation, "mediation_body") or self.word(
            "defaults", "mediation_body")

    def summary(self, typed: str, *, with_request: bool) -> str:
        text = _clean(typed, "summary") or suggest_summary(self.facts.intake, self.language,
                                                           with_request=with_request)
        self.complaint_summary = text
        return text

    def request(self) -> str:
        f = self.facts
        names = [en if (self.english and en) else zh for zh, en in f.request_kinds]
        kinds = (", " if self.english else "、").join(names)
        text = f.request_text.strip()
        if kinds and text:
            return f"{kinds} ({text})" if self.english else f"{kinds}（{text}）"
        return kinds or text


def _receipt(c: _Composer, inputs: ReceiptInputs) -> None:
    c.base(contact_phone=inputs.contact_phone)
    f = c.facts
    items = [_clean(i, "received_items") for i in inputs.received_items if i.strip()]
    if not inputs.received_items:
        items = [c.label("registration").format(channel=c.values.fields["channel"]), *f.attachments]
    c.check.need("received_items", "".join(items))
    numbered = [c.label("item").format(n=n, text=text) for n, text in enumerate(items, 1)]
    c.values.fields.update({
        "summary": shorten(c.summary(inputs.summary, with_request=True), RECEIPT_SUMMARY_WIDTH),
        "received_items": "\n".join(numbered) if len(numbered) > 1 else "".join(items),
        "due_date": c.date(f.due_on),
        "deadline_rule": c.word("deadline_rule", f.regime),
    })


def _extension(c: _Composer, inputs: ExtensionInputs) -> None:
    c.base(contact_phone=inputs.contact_phone)
    ext = c.facts.extension
    values = c.values.fields
    values.update({"extension_reason": "", "old_due_date": "", "new_due_date": "", "approver": ""})
    if ext is None:
        c.check.fail("extension")
        return
    reason = _clean(inputs.reason, "reason") or ext.reason
    c.check.need("extension_reason", reason)
    values.update({
        "extension_reason": reason.rstrip("。."),
        "old_due_date": c.date(ext.old_due_on) if ext.old_due_on else "",
        "new_due_date": c.date(ext.new_due_on),
        "approver": ext.approver,
    })
    if ext.complexity == Complexity.SPECIAL.value:
        c.check.need("approver", ext.approver)
    if ext.approver:
        c.values.flags.add("approved")


def _decision(c: _Composer, inputs: DecisionInputs) -> None:
    c.base(inputs.contact_person, inputs.contact_phone)
    f = c.facts
    values = c.values.fields
    summary = c.summary(inputs.summary, with_request=False)
    request = c.request()
    c.check.need("summary", summary)
    c.check.need("request", request)
    texts = {name: _clean(getattr(inputs, name), name) for name in ("verification", "decision", "basis", "reasons")}
    for name, text in texts.items():
        c.check.need(name, text)
    values.update(texts)
    values.update({"summary": summary, "request": request, "claimed_amount_figures": "",
                   "claimed_amount_capital": "", "new_due_date": "", "approver": "", "extension_told_date": ""})
    if f.claimed_amount is not None and f.claimed_amount > 0:
        c.values.flags.add("claimed_amount")
        c.amount("claimed_amount", f.claimed_amount)
    c.remedy(inputs.remedy, inputs.corrective_action)
    ext = f.extension
    if ext is not None:
        c.values.flags.add("extension")
        values["new_due_date"] = c.date(ext.new_due_on)
        values["approver"] = ext.approver
        if ext.approver:
            c.values.flags.add("approved")
        if ext.told_on is not None:
            c.values.flags.add("extension_told")
            values["extension_told_date"] = c.date(ext.told_on)
        if ext.complexity == Complexity.SPECIAL.value:
            c.check.need("approver", ext.approver)
            c.check.need("extension.told_on", ext.told_on)
    c.recourse(inputs.superior_institution, inputs.superior_contact, inputs.mediation_body, required=True)


def _refusal(c: _Composer, inputs: RefusalInputs) -> None:
    c.base(inputs.contact_person, inputs.contact_phone)
    grounds = _clean(inputs.grounds, "grounds") or c.facts.refusal_reason.strip()
    basis = _clean(inputs.basis, "basis")
    c.check.need("grounds", grounds)
    c.check.need("refusal.basis", basis)
    c.values.fields.update({"grounds": grounds, "basis": basis})
    c.recourse(inputs.superior_institution, inputs.superior_contact, inputs.mediation_body, required=False)


def _review(c: _Composer, inputs: ReviewDecisionInputs) -> None:
    c.base(inputs.contact_person, inputs.contact_phone)
    f = c.facts
    values = c.values.fields
    c.check.need("review_applied_on", f.review_applied_on)
    values["review_applied_date"] = c.date(f.review_applied_on) if f.review_applied_on else ""
    values["original_number"] = f.original_decision.number if f.original_decision else ""
    values["original_date"] = c.date(f.original_decision.issued_on) if f.original_decision else ""
    if f.original_decision is not None:
        c.values.flags.add("original")
    texts = {name: _clean(getattr(inputs, name), name) for name in ("findings", "decision", "basis", "reasons")}
    for name, text in texts.items():
        c.check.need(name, text)
    values.update(texts)
    c.remedy(inputs.remedy, inputs.corrective_action)
    c.mediation(inputs.mediation_body)


_KIND_RULES: dict[LetterKind, Callable[[_Composer, LetterInputs], None]] = {
    LetterKind.RECEIPT: _receipt,  # type: ignore[dict-item]
    LetterKind.EXTENSION: _extension,  # type: ignore[dict-item]
    LetterKind.DECISION: _decision,  # type: ignore[dict-item]
    LetterKind.REFUSAL: _refusal,  # type: ignore[dict-item]
    LetterKind.REVIEW_DECISION: _review,  # type: ignore[dict-item]
}


def letter_language(customer_language: str) -> str:
    """English letters for English-speaking customers; Chinese otherwise."""
    return "en" if customer_language.lower().startswith("en") else "zh_CN"


def _ordinal(n: int, language: str) -> str:
    if language == "en":
        return f"{n}. "
    digits = "一二三四五六七八九十"
    word = digits[n - 1] if n <= 10 else "十" + digits[n - 11]
    return f"{word}、"


def compose(kind: LetterKind, inputs: LetterInputs, facts: CaseFacts, issuer: IssuerInfo,
            template: LetterTemplate, common: CommonTexts, language: str, issued_at: datetime, day: date,
            *, draft: bool = False, correction: Correction | None = None) -> LetterContent:
    """Check the content and fill the template. Raises LetterContentError listing every missing element."""
    if not isinstance(inputs, INPUT_TYPES[kind]):
        raise BugError(f"{type(inputs).__name__} given for a {kind.value} letter")
    if template.kind is not kind:
        raise BugError(f"{template.kind} template given for a {kind.value} letter")
    composer = _Composer(kind, facts, issuer, common, language, day)
    _KIND_RULES[kind](composer, inputs)
    if composer.check.missing:
        raise LetterContentError(kind, composer.check.missing)
    spec = KIND_SPECS[kind]
    values = {name: composer.values.fields.get(name, "") for name in spec.fields}
    flags = frozenset(composer.values.flags)
    text = template.for_language(language)
    blocks: list[Block] = []
    number = 0
    for section in text.sections:
        if not section.applies(flags):
            continue
        heading = section.heading.format_map(values)
        if heading:
            number += 1
            heading = _ordinal(number, language) + heading
        blocks.append(Block(
            heading=heading,
            paragraphs=tuple(p.format_map(values) for p in section.paragraphs),
            rows=tuple((label.format_map(values), value.format_map(values)) for label, value in section.rows),
        ))
    label = composer.label
    address = issuer.address.strip()
    hotline = issuer.hotline.strip()
    correction_note = ""
    if correction is not None:
        correction_note = label("correction").format(
            old_number=correction.old_number, old_date=composer.date(correction.old_issued_on),
            reason=correction.reason.strip())
    return LetterContent(
        kind=kind, language=language, template_version=template.version, common_version=common.version,
        title=text.title.format_map(values), salutation=text.salutation.format_map(values), blocks=tuple(blocks),
        closing=tuple(c.format_map(values) for c in text.closing),
        letterhead=Letterhead(
            name=composer.issuer_name(),
            name_en=(issuer.name.strip() if issuer.name_en.strip() else "") if composer.english
            else issuer.name_en.strip(),
            address_line=label("address").format(address=address) if address else "",
            hotline_line=label("hotline").format(hotline=hotline) if hotline else "",
            logo_path=issuer.logo_path.strip()),
        issuer_name=composer.issuer_name(), date_text=composer.date(day),
        labels=LetterLabels(number=label("number"), number_pending=label("number_pending"), page=label("page"),
                            seal=label("seal"), draft=label("draft"), continued=label("continued")),
        issued_at=issued_at, case_number=facts.case_number, complaint_summary=composer.complaint_summary,
        draft=draft, correction_note=correction_note,
    )
