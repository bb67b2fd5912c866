"""Shared test data for the GUI tests (a module, not conftest, so tests can import the type)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtWidgets import QMessageBox

from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor

ADMIN_PASSWORD = "admin12345"


@dataclass(frozen=True)
class SetUp:
    db: Database
    admin: Actor
    password: str = ADMIN_PASSWORD

    def headquarters_admin(self) -> Actor:
        """The administrator, with the set-up branch made headquarters: only an HQ administrator may give
        the HQ analyst role."""
        with self.db.unit_of_work() as session:
            session.get_one(Branch, self.admin.branch_id).is_headquarters = True
        return dataclasses.replace(self.admin, is_hq=True)


@dataclass(frozen=True)
class Shown:
    """A message box that a test caused (recorded instead of shown)."""

    icon: QMessageBox.Icon
    title: str
    text: str
    informative: str
    details: str
