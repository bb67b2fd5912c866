"""Checklists in the GUI: a case's checklist panel (ticks, wording, the printable aid) and the HQ import."""

from ui.checklists.import_dialog import GuidanceImportDialog
from ui.checklists.panel import ChecklistPanel

__all__ = ["ChecklistPanel", "GuidanceImportDialog"]
