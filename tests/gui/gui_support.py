"""Shared test data for the GUI tests (a module, not conftest, so tests can import the type)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMessageBox

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor

ADMIN_PASSWORD = "admin12345"


@dataclass(frozen=True)
class SetUp:
    db: Database
    admin: Actor
    password: str = ADMIN_PASSWORD


@dataclass(frozen=True)
class Shown:
    """A message box that a test caused (recorded instead of shown)."""

    icon: QMessageBox.Icon
    title: str
    text: str
    informative: str
    details: str
