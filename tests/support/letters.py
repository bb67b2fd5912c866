"""Letters in service tests: a branch letterhead, the office's today, and cases registered today."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail, CustomerDraft
from tests.support.staff import Staff, draft

SHANGHAI = ZoneInfo("Asia/Shanghai")


def letterhead(database: Database, *, hotline: str = "95588", superior: bool = True) -> None:
    """Branch SH01's letterhead: its English name, address, hotline and (with ``superior``) the superior office
    a customer may turn to."""
    with database.unit_of_work() as session:
        session.execute(update(Branch).where(Branch.code == "SH01").values(
            name_en="Shanghai Pudong Sub-branch", address="上海市浦东新区世纪大道100号", hotline=hotline,
            superior_institution="上海分行消费者权益保护部" if superior else "",
            superior_contact="上海市黄浦区中山东一路1号，电话021-61234567" if superior else ""))


def office_today() -> date:
    """Today in Shanghai, the office's day."""
    return datetime.now(SHANGHAI).date()


def register_today(database: Database, staff: Staff, n: int) -> list[ComplaintDetail]:
    """``n`` counter complaints received now, by customers without an ID document, at a branch with a letterhead."""
    letterhead(database)
    return [register_complaint(database, staff.clerk, draft(
        customer=CustomerDraft(name=f"客户{i}", id_type=None, phone=f"1391234{i:04d}"))) for i in range(n)]
