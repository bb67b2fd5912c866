"""The request kinds offered follow the branch's institution type; the bundled list holds every kind named."""

from __future__ import annotations

import pytest

from desk_app.domain.enums import InstitutionType
from desk_app.domain.reference import default_lists_path, parse_lists
from desk_app.domain.request_kinds import FINANCIAL_KINDS, GOODS_KINDS, kinds_for, offered


def _bundled() -> list[str]:
    path = default_lists_path()
    return [item.code for item in parse_lists(path.read_bytes(), path.name).items if item.list_name == "request_kind"]


@pytest.mark.parametrize("institution", [InstitutionType.BANK, InstitutionType.INSURER])
def test_a_bank_or_insurer_is_offered_financial_requests_not_goods_remedies(institution: InstitutionType) -> None:
    codes = [item.code for item in kinds_for(parse_lists(default_lists_path().read_bytes(), "lists.toml").items,
                                             institution) if item.list_name == "request_kind"]
    assert codes == ["refund", "compensation", "apology", "explanation", "correction", "fee_refund",
                     "claim_payment", "cancel_business", "other"]


@pytest.mark.parametrize("institution", [InstitutionType.UTILITY, InstitutionType.OTHER])
def test_a_seller_of_goods_and_services_keeps_the_12315_remedies(institution: InstitutionType) -> None:
    codes = [code for code in _bundled() if offered(code, institution)]
    assert codes == ["repair", "redo", "replace", "return", "make_up", "refund", "compensation", "apology",
                     "explanation", "correction", "other"]


def test_every_kind_named_by_institution_type_is_in_the_bundled_list() -> None:
    assert set(_bundled()) >= (GOODS_KINDS | FINANCIAL_KINDS)
    assert not GOODS_KINDS & FINANCIAL_KINDS


def test_a_kind_added_by_headquarters_is_offered_everywhere() -> None:
    assert all(offered("new_kind_from_hq", institution) for institution in InstitutionType)
