"""The zh_CN catalog covers every message id in desk_app/ and ui/, and switching language uses it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from desk_app import i18n
from desk_app.domain.enums import Role, Status

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    """tools/i18n.py, loaded from its file (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("desk_i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_has_a_chinese_translation(tool: ModuleType) -> None:
    template = tool.extract(ROOT)
    ids = [m.id for m in template if m.id]
    assert "Closed" in ids and "Wrong user name or password." in ids and "&File" in ids
    catalog = tool.read_catalog(tool.po_path("zh_CN"), "zh_CN")
    problems = tool.problems(template, catalog)
    assert problems == [], "run 'python tools/i18n.py update' and translate:\n" + "\n".join(problems)


def test_problems_reports_missing_fuzzy_and_placeholder_errors(tool: ModuleType) -> None:
    from babel.messages.catalog import Catalog

    template = Catalog()
    for msgid in ("Closed", "Due in {n} days", "Open", "Fuzzy one"):
        template.add(msgid)
    catalog = Catalog(locale="zh_CN")
    catalog.add("Closed", "已结案")
    catalog.add("Due in {n} days", "{count} 天后到期")
    catalog.add("Fuzzy one", "猜的", flags=("fuzzy",))
    found = tool.problems(template, catalog)
    assert found == ["placeholders differ: 'Due in {n} days' -> '{count} 天后到期'",
                     "untranslated: 'Open'", "fuzzy (needs review): 'Fuzzy one'"]


def test_switching_language_translates_messages() -> None:
    assert Status.CLOSED.label == "Closed"
    i18n.set_language("zh_CN")
    assert Status.CLOSED.label == "已结案"
    assert Role.COUNTER_CLERK.label == "柜面人员"
    assert i18n.ngettext("Overdue by {n} day", "Overdue by {n} days", 3).format(n=3) == "已逾期 3 天"
    i18n.set_language("en")
    assert Status.CLOSED.label == "Closed"
    assert i18n.ngettext("Overdue by {n} day", "Overdue by {n} days", 3).format(n=3) == "Overdue by 3 days"


def test_language_listeners_are_told() -> None:
    heard: list[str] = []
    i18n.add_language_listener(heard.append)
    try:
        i18n.set_language("zh_CN")
    finally:
        i18n.remove_language_listener(heard.append)
    assert heard == ["zh_CN"]


def test_no_translated_call_hides_inside_an_f_string() -> None:
    """The message extractor reads string literals; ``f"{_('Active')}"`` is one f-string token, so its
    message never reaches the catalog and stays English on a Chinese screen."""
    import io
    import tokenize

    root = Path(__file__).resolve().parents[2]
    hidden = []
    for path in [*sorted((root / "desk_app").rglob("*.py")), *sorted((root / "ui").rglob("*.py"))]:
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        depth, previous = 0, None
        for token in tokens:
            if token.type == tokenize.STRING:  # Python 3.11: an f-string is one STRING token
                if token.string.lstrip("rbRB").lower().startswith("f") and any(
                        call in token.string for call in ("{_(", "{ngettext(", "{N_(")):
                    hidden.append(f"{path.relative_to(root)}:{token.start[0]}")
            elif token.type == getattr(tokenize, "FSTRING_START", -1):  # Python 3.12+: tokens inside
                depth += 1
            elif token.type == getattr(tokenize, "FSTRING_END", -1):
                depth -= 1
            elif depth and token.string == "(" and previous is not None and previous.string in (
                    "_", "ngettext", "N_"):
                hidden.append(f"{path.relative_to(root)}:{token.start[0]}")
            previous = token
    assert hidden == []
