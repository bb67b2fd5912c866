"""Letters in the GUI: preview and print (QtPdf), the receipt offered after intake, batches of the day."""

from ui.letters.actions import offer_receipt, show_letter
from ui.letters.batch_dialog import BatchLettersDialog
from ui.letters.preview_dialog import LetterPreviewDialog

__all__ = ["BatchLettersDialog", "LetterPreviewDialog", "offer_receipt", "show_letter"]
