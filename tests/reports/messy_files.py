"""Registers as branches really keep them: a title, a two-row header with merged cells, blank lines,
mixed date formats, amounts with ¥/元/万, Chinese channel names, a total line; and a GB18030 CSV."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

# (序号, 投诉日期, 姓名, 电话, 身份证号, 渠道, 业务类别, 投诉原因, 投诉内容, 客户诉求, 涉及金额, 完成时间, 处理结果)
ROWS: list[tuple[Any, ...]] = [
    (1, datetime(2026, 3, 2, 9, 30), "王芳", "138 1234 5678", "11010519491231002X", "柜面", "信用卡",
     "C09 消费者资金安全", "信用卡出现一笔未授权境外消费", "退还被盗刷款项", "¥3,200.00", "2026-03-10", "已退款"),
    (2, "2026/3/5", "李强", "13912345678", "", "电话", "个人贷款", "债务催收", "催收人员夜间频繁致电亲属",
     "停止骚扰式催收", "", None, None),
    (3, "2026年3月6日", "张伟", "021-62345678", "", "监管转办", "理财", "信息披露", "理财产品风险等级未如实告知",
     "赔偿本金损失", "1.2万", "2026年3月20日", "协商赔付"),
    (4, "20260309", "刘洋", "+86 137-0000-1111", "", "12315", "B0301", "服务态度及服务质量",
     "柜员态度冷淡，拒绝解释扣费原因", "", "50元", None, None),
    (5, 46092, "陈静", "13600001111", "", "手机银行APP", "借记卡", "C02", "APP转账失败但余额被扣", "退回扣款",
     3200.5, 46099, "系统冲正"),
    (6, "2026-03-12 14:30", "赵敏", "13700002222", "", "网点", "人民币储蓄", "自主选择权", "办理存款被要求购买保险",
     "取消搭售", "RMB 10000", None, None),
]
EXPECTED_DATES = ["2026-03-02", "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-11", "2026-03-12"]
EXPECTED_AMOUNTS = [Decimal("3200.00"), None, Decimal("12000.00"), Decimal("50.00"), Decimal("3200.50"),
                    Decimal("10000.00")]
EXPECTED_CHANNELS = ["counter", "hotline", "regulator", "12315", "app_web", "counter"]
EXPECTED_B = ["B0302", "B0201", "B07", "B0301", "B0301", "B01"]
EXPECTED_C = ["C09", "C12", "C05", "C01", "C02", "C07"]


def messy_workbook(path: Path, rows: list[tuple[Any, ...]] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "2026年3月"
    ws["A1"] = "上海浦东支行 2026年投诉登记台账"
    ws.merge_cells("A1:M1")
    ws["A1"].font = Font(size=14, bold=True)
    ws["A2"] = "制表：客服部    单位：元"
    # a two-row header: 序号 and 投诉日期 span both rows; 客户信息 groups three columns
    top = ["序号", "投诉日期", "客户信息", None, None, "投诉渠道", "业务类别", "投诉原因", "投诉内容", "客户诉求",
           "涉及金额", "办结情况", None]
    bottom = [None, None, "姓名", "联系电话", "身份证号", None, None, None, None, None, None, "完成时间", "处理结果"]
    for j, (a, b) in enumerate(zip(top, bottom, strict=True), start=1):
        ws.cell(row=4, column=j, value=a).alignment = Alignment(horizontal="center")
        ws.cell(row=5, column=j, value=b)
    for col in "ABFGHIJK":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("C4:E4")
    ws.merge_cells("L4:M4")
    r = 6
    for i, row in enumerate(rows if rows is not None else ROWS):
        if i == 3:
            r += 2  # two blank lines in the middle
        for j, value in enumerate(row, start=1):
            ws.cell(row=r, column=j, value=value)
        if isinstance(row[1], datetime):
            ws.cell(row=r, column=2).number_format = "yyyy-mm-dd hh:mm"
        if isinstance(row[11], int):  # a date typed as a number, shown as a date
            ws.cell(row=r, column=12).number_format = "yyyy/m/d"
        r += 1
    r += 1
    ws.cell(row=r, column=1, value="合计")
    ws.cell(row=r, column=11, value="=SUM(K6:K14)")
    wb.save(path)
    return path


def gb18030_csv(path: Path, rows: list[tuple[Any, ...]] | None = None) -> Path:
    header = ("序号,投诉日期,客户姓名,联系电话,证件号码,投诉渠道,业务类别,投诉原因,投诉内容,客户诉求,涉及金额,"
              "完成时间,处理结果")
    lines = [header]
    for row in rows if rows is not None else ROWS:
        cells = []
        for value in row:
            if value is None:
                text = ""
            elif isinstance(value, datetime):
                text = value.strftime("%Y-%m-%d %H:%M")
            else:
                text = str(value)
            cells.append(f'"{text}"' if "," in text else text)
        lines.append(",".join(cells))
        lines.append("")  # a blank line after each row, as some exports do
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    return path
