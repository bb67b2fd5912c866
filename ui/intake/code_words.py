"""What a clerk types to find a taxonomy code besides its code and name: the everyday words of the counter
(柜面 for 营业现场, 盗刷 for 资金安全) and the pinyin initials of the Chinese name (xyk → 信用卡)."""

from __future__ import annotations

from functools import cache

#: Everyday words per code of the shipped taxonomy (resources/reference/taxonomy.toml). A code that a
#: later version retires simply never shows; a new code is still found by its name and initials.
EVERYDAY_WORDS: dict[str, tuple[str, ...]] = {
    "A01": ("柜面", "柜台", "网点", "营业厅", "窗口", "大堂"),
    "A02": ("ATM", "取款机", "存款机", "自助设备"),
    "A0301": ("网上银行", "网页"),
    "A0302": ("客服热线", "电话银行"),
    "A0303": ("手机银行", "APP", "手机"),
    "A0304": ("微信", "公众号", "小程序"),
    "A0305": ("短信通知",),
    "A04": ("合作机构", "第三方支付", "代理"),
    "A06": ("监管", "转办", "12378", "12315"),
    "B01": ("存款", "储蓄", "定期", "活期"),
    "B02": ("借款", "按揭"),
    "B0201": ("消费贷", "房贷", "经营贷"),
    "B03": ("卡",),
    "B0301": ("储蓄卡", "银联卡"),
    "B0302": ("透支", "分期", "账单", "盗刷"),
    "B04": ("转账", "汇款", "支付"),
    "B06": ("个人信息", "隐私"),
    "B07": ("理财产品", "净值"),
    "B08": ("基金", "保险", "代销"),
    "B10": ("征信报告", "信用记录", "逾期记录"),
    "B2101": ("车险",),
    "B2203": ("医疗险",),
    "C01": ("态度", "服务差", "排队", "等候"),
    "C02": ("系统故障", "设备故障", "吞卡"),
    "C03": ("流程", "规定", "手续"),
    "C04": ("营销", "推销", "误导销售", "搭售"),
    "C05": ("告知", "说明不清", "披露"),
    "C06": ("收益", "亏损", "回报"),
    "C07": ("强制", "捆绑", "选择权"),
    "C08": ("合同", "格式条款", "条款"),
    "C09": ("盗刷", "被盗", "资金损失", "诈骗"),
    "C10": ("泄露", "个人信息", "骚扰电话"),
    "C11": ("收费", "手续费", "年费", "利息", "违约金"),
    "C12": ("催收", "催款", "暴力催收"),
    "C13": ("还款", "延期还款", "停息挂账"),
    "D01": ("销售误导", "投保"),
    "D02": ("理赔", "赔付", "拒赔", "赔款"),
    "D03": ("退保", "现金价值"),
    "D04": ("续保", "续期"),
    "D05": ("保全", "变更", "保单服务"),
}


@cache
def initials(name: str) -> str:
    """The pinyin initials of a Chinese name, letters only (营业现场 → yyxc); empty for a name without Hanzi."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a third of a second: loaded on first use

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(ch for ch in "".join(letters) if ch.isascii() and ch.isalpha()).casefold()


@cache
def spelled(name: str) -> str:
    """The full pinyin of a name without tones or spaces (信用卡 → xinyongka)."""
    from pypinyin import lazy_pinyin

    return "".join(ch for ch in "".join(lazy_pinyin(name, errors="ignore")) if ch.isascii() and ch.isalpha())


def search_words(code: str, name_zh: str) -> list[str]:
    """Extra words that find ``code``: its everyday words, its name's pinyin initials and full pinyin."""
    words = [*EVERYDAY_WORDS.get(code, ()), initials(name_zh), spelled(name_zh)]
    return [w for w in words if w]
