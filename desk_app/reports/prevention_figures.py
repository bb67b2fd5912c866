"""The prevention figures (抱怨登记 and 投诉经营) as plain data: the grumble funnel by cause and branch, the causes
rising among grumbles, and the suggestions and business opportunities by product and kind.

Computed by ``desk_app.services.prevention``, rendered by ``desk_app.reports.prevention_sheets``. The kinds of
opportunity are defined here so the core and the sheets share them. Rates are fractions, or None when their
denominator is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desk_app.i18n import N_, _


class OpportunityKind(StrEnum):
    """What a case or a grumble tells the business (投诉经营: 从客户投诉中寻找服务的商机)."""

    SUGGESTION = "suggestion"
    OPPORTUNITY = "opportunity"
    PRODUCT_GAP = "product_gap"
    SERVICE_GAP = "service_gap"

    @property
    def label(self) -> str:
        return _(_KIND_LABELS[self])


_KIND_LABELS = {
    OpportunityKind.SUGGESTION: N_("Customer suggestion (客户建议)"),
    OpportunityKind.OPPORTUNITY: N_("Business opportunity (商机)"),
    OpportunityKind.PRODUCT_GAP: N_("Product improvement (产品改进)"),
    OpportunityKind.SERVICE_GAP: N_("Service improvement (服务改进)"),
}


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class FunnelRates:
    """The funnel's two rates, for a row and for the whole (each a dataclass with these three counts)."""

    grumbles: int
    settled: int
    turned: int

    @property
    def settled_rate(self) -> float | None:
        return rate(self.settled, self.grumbles)

    @property
    def turned_rate(self) -> float | None:
        return rate(self.turned, self.grumbles)


@dataclass(frozen=True)
class FunnelRow(FunnelRates):
    """Grumbles of one cause at one branch in the period: how many were settled on the spot and how many
    became formal complaints."""

    branch_code: str
    cause_code: str
    cause_name: str
    grumbles: int
    settled: int
    turned: int


@dataclass(frozen=True)
class RisingCause:
    """A cause with more grumbles this period than the previous one, beside its formal complaints: a rise
    among grumbles warns before complaints rise."""

    cause_code: str
    cause_name: str
    grumbles: int
    previous_grumbles: int
    complaints: int
    previous_complaints: int

    @property
    def change(self) -> int:
        return self.grumbles - self.previous_grumbles


@dataclass(frozen=True)
class PreventionFunnel(FunnelRates):
    date_from: date
    date_to: date
    previous_from: date
    previous_to: date
    scope_label: str
    grumbles: int
    settled: int
    turned: int
    rows: tuple[FunnelRow, ...]
    """By branch code, then by count (most first) and cause code."""
    rising: tuple[RisingCause, ...]
    """Most risen first."""


@dataclass(frozen=True)
class OpportunityRow:
    """Opportunities recorded in the period for one product (B axis code) and kind."""

    product_code: str
    product_name: str
    kind: OpportunityKind
    count: int
    from_cases: int
    from_grumbles: int


@dataclass(frozen=True)
class PreventionFigures:
    """What the statistics workbook shows on its prevention sheets."""

    funnel: PreventionFunnel
    opportunities: tuple[OpportunityRow, ...]
