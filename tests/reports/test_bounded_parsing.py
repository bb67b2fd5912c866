"""Untrusted files are parsed within bounds (issue 15): a zip bomb, a workbook with one huge cell, a CSV
with a million columns and a CSV line of 100 MB are each refused with a clear message, in a child
process whose own peak memory (VmHWM from /proc/self/status, read by the child) stays under the cap.
The child also runs under an address-space limit, so a regression fails instead of eating the machine."""

from __future__ import annotations

import io
import os
import random
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from desk_app.errors import ValidationError
from desk_app.reports.limits import ParseLimits
from desk_app.reports.tabular import read_table
from desk_app.reports.xlsx_read import XlsxReader

CAP_MIB = 300
"""Peak resident memory allowed to the child that parses one bad file."""
ADDRESS_SPACE = 3 * 1024 ** 3

CHILD = """
import sys
from pathlib import Path
from desk_app.errors import ValidationError
from desk_app.reports.tabular import read_table
from desk_app.reports.xlsx_read import XlsxReader

path = Path(sys.argv[1])
try:
    if sys.argv[2] == "consolidation":
        with XlsxReader(path) as reader:
            for _row in reader.rows(reader.sheet()):
                pass
    else:
        table = read_table(path, lambda text: False)
        for _row in table.rows():
            pass
except ValidationError as exc:
    print("REFUSED:", exc)
else:
    print("READ")
# This process's own peak (the rusage high-water mark would also count the test runner it was forked from)
peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print("PEAK_KIB", peak.split()[1])
"""


def parse_in_child(path: Path, how: str = "import") -> tuple[str, float]:
    """(what the child printed, its peak resident memory in MiB)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        resource.setrlimit(resource.RLIMIT_CPU, (120, 120))

    out_path, err_path = path.with_suffix(".out"), path.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), how], stdout=out, stderr=err,
                                preexec_fn=limit)
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (ru_maxrss in KiB)
        proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, err_path.read_text()[-3000:]
    del usage  # ru_maxrss includes the parent's pages at fork time (preexec_fn forces a fork)
    printed, peak = out_path.read_text().strip().rsplit("\n", 1)
    return printed.strip(), int(peak.split()[1]) / 1024


def _workbook_with(sheet_xml: bytes | None = None) -> bytes:
    """A real openpyxl workbook, its first sheet replaced."""
    wb = Workbook()
    wb.active["A1"] = "投诉日期"
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml
            dst.writestr(item.filename, data)
    return out.getvalue()


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def zip_bomb(path: Path, size: int = 400 * 1024 * 1024) -> Path:
    """One sheet that unzips to 400 MB (white space inside its sheet data, a thousand times its zipped size)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        with zipfile.ZipFile(io.BytesIO(_workbook_with())) as src:
            for item in src.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    dst.writestr(item.filename, src.read(item.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(SHEET_HEAD)
            chunk = b" " * (4 * 1024 * 1024)
            for _ in range(size // len(chunk)):
                fh.write(chunk)
            fh.write(SHEET_TAIL)
    return path


def _inline_cell(text: bytes) -> bytes:
    return SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + text + b"</t></is></c></row>" + SHEET_TAIL


def _random_text(n: int) -> bytes:
    letters = b"abcdefghijklmnopqrstuvwxyz0123456789 "
    table = bytes(letters[i % len(letters)] for i in range(256))
    return random.Random(15).randbytes(n).translate(table)


def one_huge_shared_string(path: Path, size: int = 300 * 1024 * 1024) -> Path:
    """As found in the field: a few hundred KB on disk, one shared string of 300 MB."""
    sheet = SHEET_HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        with zipfile.ZipFile(io.BytesIO(_workbook_with(sheet))) as src:
            for item in src.infolist():
                dst.writestr(item.filename, src.read(item.filename))
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            block = b"x" * (4 * 1024 * 1024)
            for _ in range(size // len(block)):
                fh.write(block)
            fh.write(b"</t></si></sst>")
    return path


def test_a_zip_bomb_is_refused_unread(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1024 * 1024
    for how in ("import", "consolidation"):
        out, peak = parse_in_child(path, how)
        assert out.startswith("REFUSED:") and "zip bomb" in out, out
        assert peak < CAP_MIB, peak


def test_a_workbook_with_one_huge_cell(tmp_path: Path) -> None:
    small = one_huge_shared_string(tmp_path / "one-cell.xlsx")  # refused by its ratio, before parsing
    assert small.stat().st_size < 1024 * 1024
    out, peak = parse_in_child(small)
    assert out.startswith("REFUSED:") and "zip bomb" in out and peak < CAP_MIB, (out, peak)
    # text that does not compress: 12 MB in one cell (over libxml2's bound), and 2 MB (over ours)
    for size, expected in ((12_000_000, "10,000,000"), (2_000_000, "2,000,000")):
        path = tmp_path / f"cell-{size}.xlsx"
        path.write_bytes(_workbook_with(_inline_cell(_random_text(size))))
        out, peak = parse_in_child(path)
        assert out.startswith("REFUSED:") and "a cell of" in out and expected in out, out
        assert peak < CAP_MIB, peak


def test_a_csv_with_a_million_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\r\n" + "1," * 999_999 + "1\r\n",
                    encoding="utf-8")
    out, peak = parse_in_child(path)
    assert out.startswith("REFUSED:") and "1,000,000 columns" in out, out
    assert peak < CAP_MIB, peak


def test_a_csv_line_of_100_mb(tmp_path: Path) -> None:
    path = tmp_path / "long-line.csv"
    with path.open("wb") as fh:
        fh.write("投诉日期,客户姓名,投诉内容\r\n2026-03-02,王芳,".encode())
        block = b"x" * (1024 * 1024)
        for _ in range(100):
            fh.write(block)
    out, peak = parse_in_child(path)
    assert out.startswith("REFUSED:") and "line 2" in out and "longer than" in out, out
    assert peak < CAP_MIB, peak


def test_a_big_ordinary_file_is_still_read(tmp_path: Path) -> None:
    """The bounds do not refuse a large honest register: 30 MB of CSV with 200 KB cells is read."""
    path = tmp_path / "big.csv"
    cell = "客户反映" * 50_000  # 200,000 characters, over csv's default field limit of 128 KiB
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("投诉日期,客户姓名,投诉内容\r\n")
        for i in range(50):
            fh.write(f'2026-03-02,客户{i},"{cell}"\r\n')
    out, peak = parse_in_child(path)
    assert out == "READ" and peak < CAP_MIB, (out, peak)


def test_limits_name_the_bound_in_process(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n" + "1,2\n" * 20, encoding="utf-8")
    with pytest.raises(ValidationError, match="more than 10 rows"):
        for _row in read_table(path, lambda t: False, limits=ParseLimits(max_rows=10)).rows():
            pass
    big = tmp_path / "big.xlsx"
    big.write_bytes(_workbook_with())
    with pytest.raises(ValidationError, match="files of more than"):
        XlsxReader(big, ParseLimits(max_member_bytes=100))
    with pytest.raises(ValidationError, match="files of more than"):
        read_table(path, lambda t: False, limits=ParseLimits(max_file_bytes=10))
