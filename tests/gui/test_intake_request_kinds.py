"""The intake form's request kinds (诉求) follow the branch: a bank or an insurer is offered 退费, 赔付/理赔,
撤销业务… and no goods remedies; a utility keeps the 12315 list (修理, 重作, 更换, 退货, 补足数量)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import SetUp
from pytestqt.qtbot import QtBot

from tests.support.intake import make_counter, open_page
from ui.i18n import LanguageSupport, switch_language

GOODS = {"repair", "redo", "replace", "return", "make_up"}
FINANCIAL = {"fee_refund", "claim_payment", "cancel_business"}


@pytest.mark.parametrize(("institution_type", "offered", "not_offered"), [
    ("bank", FINANCIAL, GOODS), ("insurer", FINANCIAL, GOODS), ("utility", GOODS, FINANCIAL)])
def test_the_request_kinds_follow_the_branch_s_institution_type(
        qtbot: QtBot, set_up: SetUp, tmp_path: Path, institution_type: str, offered: set[str],
        not_offered: set[str], language_support: LanguageSupport) -> None:
    switch_language("zh_CN")
    page = open_page(qtbot, make_counter(set_up.db, set_up.admin, institution_type=institution_type), tmp_path)
    shown = set(page.request.kinds)
    assert offered <= shown
    assert not shown & not_offered
    assert {"refund", "compensation", "apology", "explanation", "correction", "other"} <= shown
    if institution_type != "utility":
        assert page.request.kinds["claim_payment"].text().replace("&", "").startswith("赔付/理赔")
