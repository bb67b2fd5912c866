"""Finding the embedded CJK font: configured > bundled > system; no font is a clear error, never a PDF."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.documents import fonts
from desk_app.documents.content import compose
from desk_app.documents.fonts import ENV_FONT, FontNotFoundError, load_cjk_font, parse_font_spec
from desk_app.documents.render import render_letter
from desk_app.documents.templates import load_common, load_template
from desk_app.domain.enums import LetterKind
from tests.documents.samples import FACTS, INPUTS, ISSUED_AT, ISSUER, LETTER_DAY

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
needs_wqy = pytest.mark.skipif(not WQY.exists(), reason="fonts-wqy-microhei not installed")


@pytest.fixture(autouse=True)
def _fresh_discovery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ENV_FONT, raising=False)
    fonts.clear_font_cache()
    yield
    fonts.clear_font_cache()


def _no_fonts_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "bundled_fonts_dir", lambda: tmp_path / "none")
    monkeypatch.setattr(fonts, "_fc_list_candidates", lambda: [])
    monkeypatch.setattr(fonts, "_windows_candidates", lambda: [])


def test_spec_with_a_face_index() -> None:
    spec = parse_font_spec("C:/Windows/Fonts/simsun.ttc#1", "configured")
    assert spec.path == Path("C:/Windows/Fonts/simsun.ttc") and spec.subfont_index == 1
    assert parse_font_spec("/fonts/a#b.ttf", "configured").subfont_index is None


@needs_wqy
def test_configured_path_wins_and_a_ttc_face_can_be_chosen(tmp_path: Path) -> None:
    font = load_cjk_font(f"{WQY}#1")
    assert font.subfont_index == 1 and font.family == "WenQuanYi Micro Hei Mono" and font.origin == "configured"
    assert load_cjk_font(WQY).subfont_index == 0  # first usable face by default


@needs_wqy
def test_environment_variable_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = tmp_path / "letters.ttc"
    shutil.copyfile(WQY, copy)
    monkeypatch.setenv(ENV_FONT, str(copy))
    font = load_cjk_font()
    assert font.path == copy and ENV_FONT in font.origin


@needs_wqy
def test_bundled_fonts_come_before_the_system(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundled = tmp_path / "fonts"
    bundled.mkdir()
    (bundled / "README.md").write_text("not a font")
    shutil.copyfile(WQY, bundled / "zz-bundled.ttc")
    monkeypatch.setattr(fonts, "bundled_fonts_dir", lambda: bundled)
    font = load_cjk_font()
    assert font.origin == "bundled" and font.path == bundled / "zz-bundled.ttc"


@pytest.mark.skipif(not shutil.which("fc-list") or not WQY.exists(), reason="needs fontconfig and wqy-microhei")
def test_system_fonts_come_from_fc_list_truetype_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "bundled_fonts_dir", lambda: tmp_path / "none")
    candidates = fonts._fc_list_candidates()
    assert WQY in {c.path for c in candidates}
    assert all(c.path.suffix.lower() in (".ttf", ".ttc") for c in candidates)
    assert load_cjk_font().origin == "system"


def test_a_cff_font_is_refused_with_the_reason(tmp_path: Path) -> None:
    cff = tmp_path / "NotoSansCJK-Regular.otf.ttf"
    cff.write_bytes(b"OTTO" + bytes(300))  # an OpenType font with PostScript (CFF) outlines
    with pytest.raises(FontNotFoundError, match="postscript outlines are not supported"):
        load_cjk_font(cff)


def test_a_font_without_chinese_is_refused(tmp_path: Path) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.exists():
        pytest.skip("DejaVuSans not installed")
    with pytest.raises(FontNotFoundError, match="no Chinese glyphs"):
        load_cjk_font(latin)


def test_a_configured_font_that_is_missing_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    with pytest.raises(FontNotFoundError, match="file not found"):
        load_cjk_font(tmp_path / "missing.ttf")


def test_no_font_at_all_is_a_clear_error_and_no_pdf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _no_fonts_anywhere(monkeypatch, tmp_path)
    with pytest.raises(FontNotFoundError, match=f"No TrueType Chinese font was found.*{ENV_FONT}"):
        load_cjk_font()
    content = compose(LetterKind.RECEIPT, INPUTS[LetterKind.RECEIPT], FACTS, ISSUER,
                      load_template(LetterKind.RECEIPT), load_common(), "zh_CN", ISSUED_AT, LETTER_DAY)
    with pytest.raises(FontNotFoundError):
        render_letter(content)


def test_windows_font_folder_is_searched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "Fonts").mkdir()
    (tmp_path / "Fonts" / "msyh.ttc").write_bytes(b"")
    monkeypatch.setattr(fonts.sys, "platform", "win32")
    monkeypatch.setattr(os, "environ", {**os.environ, "WINDIR": str(tmp_path)})
    assert [c.path.name for c in fonts._windows_candidates()] == ["msyh.ttc"]
