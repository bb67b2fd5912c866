"""Signed branch files in tests: register a branch's signing key at headquarters, as its administrator does
once per branch (Administration › Branches › Signing key), so that the branch's exports consolidate.

In a test the branch and headquarters share this process's key folder, so the branch's real key is read
from there (never from the file being consolidated: a forged file must not bring its own key)."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Regime
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
