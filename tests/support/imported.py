"""The messy branch register imported: the register as another system exports it, the mapping a user
accepts in the dialog, and the check of what the import wrote (used by the import, audit and desk-server tests)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk_app.db.models import Complaint, ComplaintEvent, Customer
from desk_app.db.uow import Database
from desk_app.domain.deadlines import DeadlineInput, compute_deadline
from desk_app.domain.enums import Regime
from desk_app.security import chain_key
from desk_app.services import imports
from desk_app.services.calendar import load_work_calendar
from desk_app.services.integrity import check_seals
from desk_app.services.timeline import check_chain
from tests.reports.messy_files import (
    EXPECTED_AMOUNTS,
    EXPECTED_B,
    EXPECTED_C,
    EXPECTED_CHANNELS,
    EXPECTED_DATES,
    ROWS,
)
from tests.support.staff import Staff

#: The import's clock: every row of the register is older than this.
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def mapping_for(db: Database, staff: Staff, path: Path) -> imports.ColumnMapping:
    """What a user does in the mapping dialog: accept the suggestion, set the A axis default."""
    preview = imports.dry_run(db, staff.manager, path, options=imports.ImportOptions(now=NOW))
    assert any(p.field == "axis_a" for r in preview.problem_rows for p in r.problems)
    mapping = preview.mapping
    mapping.defaults["axis_a"] = "A01"
    return mapping


def imported_cases(db: Database) -> list[tuple[Complaint, Customer]]:
    with db.unit_of_work() as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(Complaint, Customer).join(Customer, Customer.id == Complaint.customer_id)
            .order_by(Complaint.received_at)).all()]


def check_imported(db: Database) -> None:
    rows = imported_cases(db)
    assert len(rows) == len(ROWS)
    with db.unit_of_work() as s:
        calendar = load_work_calendar(s)
        for (c, customer), date_text, amount, channel, b, cause, source in zip(
                rows, EXPECTED_DATES, EXPECTED_AMOUNTS, EXPECTED_CHANNELS, EXPECTED_B, EXPECTED_C, ROWS, strict=True):
            local = c.received_at.astimezone(SHANGHAI)
            assert local.date().isoformat() == date_text
            assert c.case_number.startswith(f"SH01-{date_text.replace('-', '')}-")
            assert (c.claimed_amount, c.channel, c.axis_a, c.axis_b, c.axis_c) == (amount, channel, "A01", b, cause)
            assert customer.name == source[2]
            expected_due = compute_deadline(DeadlineInput(Regime.BANKING_INSURANCE, c.received_at), calendar).due_on
            assert c.due_on == expected_due
            closed = source[11] is not None
            assert c.status == ("closed" if closed else "registered")
            assert (c.closed_at is not None) == closed
            kinds = [e.kind for e in s.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
                                               .order_by(ComplaintEvent.seq))]
            assert kinds == (["registered", "status_changed"] if closed else ["registered"])
            assert check_chain(s, c.id) is None
            assert s.scalars(select(ComplaintEvent.seal).where(ComplaintEvent.complaint_id == c.id)
                             .order_by(ComplaintEvent.seq.desc()).limit(1)).one()  # sealed from the start
        assert check_seals(s, chain_key()) == []
    first = rows[0][0]
    assert rows[0][1].id_number == "11010519491231002X" and rows[0][1].phone == "13812345678"
    assert first.received_at.astimezone(SHANGHAI).strftime("%H:%M") == "09:30"
    fourth = rows[3][1]
    assert fourth.phone == "13700001111"  # +86 137-0000-1111


def exported_csv(path: Path) -> Path:
    """The register as a real system exports it: every field quoted where needed, quotes doubled, line
    breaks inside the complaint text, CRLF line ends, GB18030."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["序号", "投诉日期", "客户姓名", "联系电话", "证件号码", "投诉渠道", "业务类别", "投诉原因",
                     "投诉内容", "客户诉求", "涉及金额", "完成时间", "处理结果"])
    for row in ROWS:
        cells = ["" if v is None else v.strftime("%Y-%m-%d %H:%M") if hasattr(v, "strftime") else str(v)
                 for v in row]
        cells[8] = f'客户称"{cells[8]}"，\n要求"尽快"处理'
        writer.writerow(cells)
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path
