"""Files in the styles of real public exports, written here by hand (never by the code under test):

- a consumer-complaint register in the style of the US CFPB export: English headers, only fields
  that need it quoted, the first 150 rows without a single quote (more than 20,000 characters, which
  is what made ``csv.Sniffer`` guess ``doublequote=False``), later rows with doubled quotes, commas and
  line breaks inside the narrative, one narrative of 21,928 characters, and "Submitted via" words
  such as "Postal mail", "Fax" and "Referral";
- a Chinese register in GBK, and the same without its header row.

Each builder returns the records it wrote, so a test counts independently of the import.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

HEADER = ("Date received", "Product", "Issue", "Consumer complaint narrative", "Company", "State",
          "Submitted via", "Complaint ID")
PRODUCTS = ("Credit card", "Checking or savings account", "Debt collection")
ISSUES = {"Credit card": "Problem with a purchase shown on your statement",
          "Checking or savings account": "Managing an account", "Debt collection": "Attempts to collect debt not owed"}
COMPANIES = ("BANK OF THE WEST", "CAPITAL ONE FINANCIAL CORPORATION", "Synchrony Financial", "Portfolio Recovery")
STATES = ("CA", "TX", "NY", "FL", "OH")
#: "Submitted via" values, with how many rows carry each: Fax and Referral match no channel word.
CHANNELS = {"Web": 131, "Phone": 27, "Postal mail": 19, "Email": 4, "Fax": 3, "Referral": 12, "Web Referral": 6}
LONG_NARRATIVE_CHARS = 21_928
WORDS = ("I", "called", "the", "bank", "about", "my", "account", "they", "charged", "a", "fee", "twice", "and",
         "refused", "to", "refund", "it", "after", "three", "weeks", "of", "waiting", "statement", "payment")


@dataclass(frozen=True)
class Record:
    received: str
    product: str
    issue: str
    narrative: str
    company: str
    state: str
    channel: str
    complaint_id: str


def _field(text: str) -> str:
    """RFC 4180 quoting, as exporters write it: only when needed, a quote inside written twice."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _plain(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def consumer_records(seed: int = 16) -> list[Record]:
    rng = random.Random(seed)
    channels = [name for name, n in CHANNELS.items() for _ in range(n)]
    rng.shuffle(channels)
    records = []
    for i, channel in enumerate(channels):
        product = PRODUCTS[i % len(PRODUCTS)]
        if i < 150:  # early rows: no quotes, commas or line breaks anywhere
            narrative = _plain(rng, 30)
        elif i % 3 == 0:
            narrative = (f'The agent said "we will call you back", but nobody did.\nThen, on day {i}, a second '
                         f'letter said "final notice" again.')
        elif i % 3 == 1:
            narrative = f"{_plain(rng, 12)}\n\n{_plain(rng, 8)}, and then {_plain(rng, 5)}"
        else:
            narrative = f'He wrote: ""unpaid"" balance of $1,{i:03d}.00 — "not mine".'
        if i == 170:
            narrative = ("My complaint, in full: " + "x" * LONG_NARRATIVE_CHARS)[:LONG_NARRATIVE_CHARS]
        records.append(Record(f"2026-0{1 + i % 5}-{1 + i % 28:02d}", product, ISSUES[product], narrative,
                              COMPANIES[i % len(COMPANIES)], STATES[i % len(STATES)], channel, str(6_100_000 + i)))
    return records


def consumer_register_csv(path: Path, records: list[Record] | None = None) -> list[Record]:
    records = records if records is not None else consumer_records()
    lines = [",".join(HEADER)]
    for r in records:
        lines.append(",".join(_field(v) for v in (r.received, r.product, r.issue, r.narrative, r.company, r.state,
                                                   r.channel, r.complaint_id)))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return records


CN_HEADER = ("投诉日期", "客户姓名", "联系电话", "投诉渠道", "业务类别", "投诉原因", "投诉内容")
CN_ROWS = [
    ("2026-03-02", "王芳", "13812345678", "柜面", "信用卡", "服务态度及服务质量", "柜员态度冷淡，拒绝解释年费"),
    ("2026-03-03", "李强", "13912345678", "电话", "个人贷款", "债务催收", "催收人员夜间频繁致电亲属"),
    ("2026-03-04", "张伟", "13712345678", "信函", "理财", "信息披露", "理财产品风险等级未如实告知"),
    ("2026-03-05", "赵敏", "13612345678", "柜面", "借记卡", "服务态度及服务质量", "ATM吞卡后三天未处理"),
    ("2026-03-06", "刘洋", "13512345678", "监管转办", "信用卡", "债务催收", "被催收人员威胁上门"),
]


def gbk_register(path: Path, header: bool = True) -> list[tuple[str, ...]]:
    """A register saved by a Chinese Excel as "CSV (逗号分隔)": GBK, CRLF, no BOM."""
    lines = ([",".join(CN_HEADER)] if header else []) + [",".join(_field(v) for v in row) for row in CN_ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return CN_ROWS
