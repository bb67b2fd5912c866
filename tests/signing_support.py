"""Signed branch files in tests: register a branch's signing key at headquarters, as its administrator does
once per branch (Administration › Branches › Signing key), so that the branch's exports consolidate.

In a test the branch and headquarters share this process's key folder, so the branch's real key is read
from there (never from the file being consolidated: a forged file must not bring its own key)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Regime
from desk_app.security import use_chain_key_file
from desk_app.signing import branch_key, public_key_text


def trust_branch(db: Database, *codes: str) -> None:
    """Register each branch's public signing key at ``db`` (the branch is made there if HQ has none yet)."""
    with db.unit_of_work() as session:
        for code in codes:
            branch = session.scalars(select(Branch).where(Branch.code == code)).first()
            if branch is None:
                branch = Branch(code=code, name=code, institution_type=InstitutionType.BANK.value,
                                regime=Regime.BANKING_INSURANCE.value)
                session.add(branch)
            branch.signing_public_key = public_key_text(branch_key(code))


@contextmanager
def office(chain_key_file: Path) -> Iterator[None]:
    """Work as the office whose chain key is in ``chain_key_file`` inside the block: a branch and its
    headquarters each hold their own chain key, which never leaves them."""
    use_chain_key_file(chain_key_file)
    try:
        yield
    finally:
        use_chain_key_file(None)
