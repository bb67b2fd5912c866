"""The CSV reader on its own (no database): RFC 4180 first, encodings, separators, the sniffed fallback
and its description, and bounds; every file written here byte by byte."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from desk_app.errors import ValidationError
from desk_app.reports.csv_read import detect_encoding, detect_format, read_records
from desk_app.reports.limits import ParseLimits


def records(path: Path) -> list[list[str | None]]:
    return [row for _n, row in read_records(path, detect_format(path))]


def test_rfc_4180_quoting(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'id,text,note\r\n1,"a, b","say ""hi"""\r\n2,"line one\r\nline two",\r\n3,"""",x\r\n'
                     b'4,"",""\r\n')
    assert records(path) == [["id", "text", "note"], ["1", "a, b", 'say "hi"'], ["2", "line one\r\nline two", None],
                             ["3", '"', "x"], ["4", None, None]]
    fmt = detect_format(path)
    assert (fmt.delimiter, fmt.doublequote, fmt.sniffed) == (",", True, False)


@pytest.mark.parametrize(("data", "encoding"), [
    (codecs.BOM_UTF8 + "日期,姓名\n2026-03-02,王芳\n".encode(), "utf-8-sig"),
    ("日期,姓名\n2026-03-02,王芳\n".encode(), "utf-8"),
    ("日期,姓名\n2026-03-02,王芳\n".encode("gbk"), "gb18030"),
    ("日期,姓名\n2026-03-02,王芳𠀀\n".encode("gb18030"), "gb18030"),  # a 4-byte GB18030 character
    ("日期\t姓名\r\n2026-03-02\t王芳\r\n".encode("utf-16"), "utf-16"),  # Excel's "Unicode text"
    ("日期,姓名\n2026-03-02,王芳\n".encode("utf-16-le"), "utf-16-le"),
    ("日期,姓名\n2026-03-02,王芳\n".encode("utf-16-be"), "utf-16-be"),
])
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == encoding
    rows = records(path)
    assert rows[0] == ["日期", "姓名"] and rows[1][0] == "2026-03-02" and rows[1][1] is not None
    assert rows[1][1].startswith("王芳")


def test_the_separator_with_the_steadiest_field_count_wins(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("日期;姓名;内容\n2026-03-02;王芳;年费, 利息, 违约金\n2026-03-03;李强;催收,骚扰\n", encoding="utf-8")
    fmt = detect_format(path)
    assert fmt.delimiter == ";" and not fmt.sniffed
    assert records(path)[1] == ["2026-03-02", "王芳", "年费, 利息, 违约金"]


def test_a_file_that_is_not_rfc_4180_is_read_with_a_described_guess(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text('日期,姓名,内容\n2026-03-02,王芳,"他说"不退"就投诉"\n', encoding="utf-8")
    fmt = detect_format(path)
    assert fmt.sniffed and "not standard CSV" in fmt.description and "comma" in fmt.description
    assert "odd.csv, line 2" in fmt.description  # where the standard reading stopped
    assert len(records(path)) == 2


def test_bounds(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("a,b\n1," + "x" * 300 + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="a cell of 300 characters"):
        list(read_records(path, detect_format(path), ParseLimits(max_cell_chars=200)))
    with pytest.raises(ValidationError, match="line 2: longer than 100"):
        detect_format(path, ParseLimits(max_line_chars=100))
    with pytest.raises(ValidationError, match="3 columns"):
        path.write_text("a,b,c\n", encoding="utf-8")
        list(read_records(path, detect_format(path), ParseLimits(max_columns=2)))


def test_bytes_that_are_no_known_encoding_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("日期,姓名\n".encode("gb18030") + b"\x80\xff\xfe\xff\n")
    with pytest.raises(ValidationError, match="encoding"):
        detect_format(path)
    path.write_bytes(codecs.BOM_UTF8 + b"a,b\n\xff\xfe\n")
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        detect_format(path)
