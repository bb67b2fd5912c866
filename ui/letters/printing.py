"""Printing PDF letters with Qt: each page rendered by QtPdf at printer resolution (capped at 300 dpi),
drawn on the paper at its true size. Several documents go to the printer as one job."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSize
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from desk_app.errors import UserError
from desk_app.i18n import _

MAX_PRINT_DPI = 300


def load_pdf(data: bytes, parent: QObject) -> QPdfDocument:
    """A QPdfDocument over ``data``, owned by ``parent`` (the buffer is the document's child)."""
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() is not QPdfDocument.Status.Ready:
        raise UserError(_("The letter cannot be displayed: {error}").format(error=document.error().name))
    return document


def letter_printer() -> QPrinter:
    """A high-resolution printer set up for A4 portrait letters (the print dialog may change it)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)  # the PDF has its own margins: print it 1:1 on the paper
    return printer


@contextmanager
def _painting(printer: QPrinter) -> Iterator[QPainter]:
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError(_("The printer could not be started. Check that it is connected and ready."))
    try:
        yield painter
    finally:
        painter.end()


def print_documents(printer: QPrinter, documents: Iterable[QPdfDocument],
                    cancelled: Callable[[], bool] = lambda: False) -> int:
    """Print every page of ``documents`` in one job; returns the number of pages sent."""
    printer.setFullPage(True)
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    pages = 0
    with _painting(printer) as painter:
        area = QRectF(painter.viewport())
        for document in documents:
            for page in range(document.pageCount()):
                if cancelled():
                    return pages
                if pages and not printer.newPage():
                    raise UserError(_("The printer stopped after {n} pages.").format(n=pages))
                points = document.pagePointSize(page)
                image = document.render(page, QSize(round(points.width() / 72 * dpi),
                                                    round(points.height() / 72 * dpi)))
                scale = min(area.width() / points.width(), area.height() / points.height())
                width, height = points.width() * scale, points.height() * scale
                target = QRectF(area.x() + (area.width() - width) / 2, area.y() + (area.height() - height) / 2,
                                width, height)
                painter.drawImage(target, image)
                pages += 1
    return pages


def print_files(printer: QPrinter, files: Iterable[Path], cancelled: Callable[[], bool] = lambda: False) -> int:
    """Print PDF files in order as one job."""
    owner = QObject()
    documents = (load_pdf(path.read_bytes(), owner) for path in files)
    try:
        return print_documents(printer, documents, cancelled)
    finally:
        owner.deleteLater()
