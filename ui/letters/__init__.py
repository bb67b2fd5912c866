"""Letters in the GUI: preview and print (QtPdf), the receipt offered after intake, the issue/correct form,
a case's letters panel, and the batch of the day."""

from ui.letters.actions import offer_receipt, show_letter
from ui.letters.batch_dialog import BatchLettersDialog
from ui.letters.case_letters import CaseLettersWidget
from ui.letters.issue_dialog import IssueLetterDialog
from ui.letters.preview_dialog import LetterPreviewDialog

__all__ = ["BatchLettersDialog", "CaseLettersWidget", "IssueLetterDialog", "LetterPreviewDialog", "offer_receipt",
           "show_letter"]
