"""Rendering a batch's letters ahead in worker processes.

A letter's number is allocated in the transaction that stores it (no gaps), and the number is printed
on the letter, so rendering normally happens inside that transaction, one letter after the other.
For large batches, ``render_batch(workers=N)`` renders the next letters in N worker processes *before*
their transaction, under the number they will get if nobody else takes one meanwhile (the counter's
value plus the batch's letters before them). The transaction then composes the letter again, takes
its number as usual, and uses the rendering done ahead only if number and content are exactly the
same; otherwise it renders again. Either way the stored letter is what one transaction saw. Both
compose with ``letter_composition.compose_for`` and number with ``numbering``'s key and format.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from desk_app.db.models import NumberCounter
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.documents.content import INPUT_TYPES, LETTER_NUMBER_CODES, LetterInputs, default_inputs
from desk_app.documents.letter import LetterContent
from desk_app.documents.render import render_in_worker
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LetterKind
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import UserError
from desk_app.services import numbering
from desk_app.services.complaints import load_for
from desk_app.services.letter_composition import Kit, compose_for, state_problem

log = logging.getLogger(__name__)

MIN_PARALLEL_LETTERS = 8


def parallel_workers(letters_to_issue: int) -> int:
    """How many worker processes a batch should use here: one per CPU (at most 4) for batches of
    ``MIN_PARALLEL_LETTERS`` or more; 1 (no pool) for small batches and in a frozen (bundled) app, where
    worker processes need ``multiprocessing.freeze_support()`` at start-up."""
    if letters_to_issue < MIN_PARALLEL_LETTERS or getattr(sys, "frozen", False):
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass
class Prepared:
    issued_at: datetime
    content: LetterContent
    key: str
    future: Future[bytes]
    used: bool = False

    def take(self, final: LetterContent) -> bytes | None:
        """The rendering done ahead, if it is of exactly this content and number."""
        if final != self.content:
            self.future.cancel()
            return None
        try:
            pdf = self.future.result()
        except Exception:  # a failed worker: render again in the transaction, which reports any error
            log.warning("letter rendered ahead failed; rendering again", exc_info=True)
            return None
        self.used = True
        return pdf


class Ahead:
    """The worker pool and the letters rendered (or being rendered) ahead, by their place in the batch."""

    def __init__(self, db: Database, actor: Actor, kit: Kit, workers: int,
                 permissions: dict[LetterKind, Permission]) -> None:
        self.db = db
        self.actor = actor
        self.kit = kit
        self.permissions = permissions
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self.font_spec = f"{kit.font.path}#{kit.font.subfont_index}"
        self.slots: dict[int, Prepared] = {}
        self.pending: dict[str, int] = {}
        self.window = workers * 2

    def prepare(self, index: int, complaint_id: uuid.UUID, kind: LetterKind, inputs: LetterInputs | None) -> None:
        if index in self.slots:
            return
        inputs = inputs or default_inputs(kind)
        try:
            with self.db.unit_of_work() as session:
                allowed = has_permission(self.actor.role, self.permissions[kind])
                if not allowed or not isinstance(inputs, INPUT_TYPES[kind]):
                    return
                complaint = load_for(session, self.actor, complaint_id)
                if state_problem(session, complaint, kind, inputs):
                    return
                issued_at = utcnow()
                composed = compose_for(session, self.actor, complaint, kind, inputs, self.kit, None, issued_at)
                code = LETTER_NUMBER_CODES[kind]
                year = composed.day.year
                key = numbering.letter_key(composed.branch_code, code, year)
                current = session.scalar(select(NumberCounter.value).where(NumberCounter.key == key)) or 0
        except UserError:
            return  # the transaction will report it
        seq = current + 1 + self.pending.get(key, 0)
        self.pending[key] = self.pending.get(key, 0) + 1
        target = replace(composed.content,
                         number=numbering.format_letter_number(composed.branch_code, code, year, seq))
        self.slots[index] = Prepared(issued_at, target, key, self.pool.submit(render_in_worker, target,
                                                                                 self.font_spec))

    def take(self, index: int) -> Prepared | None:
        return self.slots.get(index)

    def release(self, index: int) -> None:
        prepared = self.slots.pop(index, None)
        if prepared is not None:
            self.pending[prepared.key] -= 1
            prepared.future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
