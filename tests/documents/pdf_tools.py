"""Reading PDFs back with poppler-utils (pdftotext, pdffonts, pdfinfo): an independent check of what
reportlab wrote."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed")


def _run(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run([tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args, "-"],
                          input=pdf, capture_output=True, check=True).stdout.decode("utf-8")


def pdf_text(pdf: bytes) -> str:
    """The text of every page, in reading order (pdftotext -raw)."""
    return _run("pdftotext", pdf, "-raw", "-enc", "UTF-8")


def flat_text(pdf: bytes) -> str:
    """The text with every line break and space removed: Chinese wraps anywhere, so a sentence is
    checked whole, wherever the lines broke."""
    return re.sub(r"\s+", "", pdf_text(pdf))


@dataclass(frozen=True)
class FontRow:
    name: str
    type: str
    embedded: bool
    subset: bool
    unicode: bool


def pdf_fonts(pdf: bytes) -> list[FontRow]:
    lines = _run("pdffonts", pdf).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type [type…] encoding emb sub uni object-id generation
        emb, sub, uni = parts[-5:-2]
        rows.append(FontRow(parts[0], " ".join(parts[1:-6]), emb == "yes", sub == "yes", uni == "yes"))
    return rows


def page_count(pdf: bytes) -> int:
    info = _run("pdfinfo", pdf)
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))
