"""A composed letter: what ``desk_app.documents.render`` draws, filled in by ``content.compose``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk_app.domain.enums import LetterKind


@dataclass(frozen=True)
class Block:
    heading: str
    paragraphs: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Letterhead:
    name: str
    name_en: str
    address_line: str
    hotline_line: str
    logo_path: str


@dataclass(frozen=True)
class LetterLabels:
    number: str
    number_pending: str
    page: str
    seal: str
    draft: str
    continued: str


@dataclass(frozen=True)
class LetterContent:
    kind: LetterKind
    language: str
    template_version: int
    common_version: int
    title: str
    salutation: str
    blocks: tuple[Block, ...]
    closing: tuple[str, ...]
    letterhead: Letterhead
    issuer_name: str
    date_text: str
    labels: LetterLabels
    issued_at: datetime
    case_number: str
    complaint_summary: str = ""
    """The summary of the complaint the letter states (in full; the receipt shows it shortened)."""
    number: str = ""
    draft: bool = False
    correction_note: str = ""

    @property
    def number_text(self) -> str:
        if self.number:
            return self.labels.number.format(number=self.number)
        return self.labels.number_pending
