"""Which request kinds (诉求) the intake form offers, by the branch's institution type.

The kinds are one reference list (``resources/reference/lists.toml``) so that stored codes mean the same
everywhere; the goods remedies of the 12315 form (修理, 重作, 更换, 退货, 补足数量) make no sense at a
bank or an insurer, whose customers ask for a fee refund, a claim payment or a cancelled business instead.
A code in neither set below (refund, explanation, correction, compensation, apology, other, and any kind HQ adds)
is offered to every branch. Cases keep whatever codes they were recorded with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from desk_app.domain.enums import InstitutionType

#: The 12315 registration form's remedies for goods and services bought.
GOODS_KINDS = frozenset({"repair", "redo", "replace", "return", "make_up"})
#: What customers of a bank, an insurer or a consumer-finance company ask for.
FINANCIAL_KINDS = frozenset({"fee_refund", "claim_payment", "cancel_business"})
#: Institutions under the financial regulator (consumer finance companies are set up as banks).
FINANCIAL_INSTITUTIONS = frozenset({InstitutionType.BANK, InstitutionType.INSURER})


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


Item = TypeVar("Item", bound=_Coded)


def offered(code: str, institution: InstitutionType) -> bool:
    """Is the request kind ``code`` offered at a branch of type ``institution``?"""
    excluded = GOODS_KINDS if institution in FINANCIAL_INSTITUTIONS else FINANCIAL_KINDS
    return code not in excluded


def kinds_for(items: Iterable[Item], institution: InstitutionType) -> list[Item]:
    """The items of the request-kind list a branch of type ``institution`` offers, in their order."""
    return [item for item in items if offered(item.code, institution)]
