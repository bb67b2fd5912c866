"""Letters in GUI tests: a counter clerk at a branch with a full letterhead, a printer into a PDF file, and what
poppler's pdfinfo reads from a PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import update

from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from tests.support.intake import Counter, make_counter
from ui.letters.printing import letter_printer


def letter_counter(db: Database, admin: Actor, *, hotline: str = "95533") -> Counter:
    """``make_counter``'s clerk, at a branch whose letterhead has an address, a superior office and ``hotline``."""
    counter = make_counter(db, admin)
    with db.unit_of_work() as session:
        session.execute(update(Branch).values(hotline=hotline, address="北京市朝阳区建国路1号",
                                              superior_institution="北京分行", superior_contact="010-66666666"))
    return counter


def pdf_pages(path: Path | bytes) -> tuple[int, str]:
    """The page count and page size (pdfinfo's text, in points) of a PDF file or PDF bytes."""
    args = ["pdfinfo", "-"] if isinstance(path, bytes) else ["pdfinfo", str(path)]
    info = subprocess.run(args, input=path if isinstance(path, bytes) else None, capture_output=True,
                          check=True).stdout.decode()
    pages = next(int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:"))
    size = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Page size:"))
    return pages, size


def pdf_printer(path: Path) -> QPrinter:
    """The application's letter printer, printing into the PDF file ``path`` at 150 dpi."""
    printer = letter_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(150)
    return printer
