"""The dialog of "Add to case library…": the lesson a closed case teaches (the case view runs the call)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desk_app.i18n import _
from desk_app.services.case_library import MAX_LESSON
from ui.cases.action_dialogs import ActionDialog


def lesson_dialog(parent: QWidget) -> ActionDialog:
    """Asks for the lesson; says what the library keeps and what it leaves out."""
    dialog = ActionDialog("libraryLessonDialog", _("Add to the case library (案例库)"), _(
        "An anonymised copy of this closed case becomes a model case that every branch can read: its "
        "classification, portrait, checklist path, the wording used, the resolution and the outcome. Names, ID "
        "and card numbers, phones, addresses, e-mails and case numbers are left out, also inside the texts."),
        _("&Add to the library"), parent)
    dialog.add_text("lesson", _("&Lesson"), required=True, multiline=True,
                    placeholder=_("What should colleagues learn from this case? (at most {n} characters)").format(
                        n=MAX_LESSON))
    dialog.add_rule(lambda: _("The lesson is too long: at most {n} characters.").format(n=MAX_LESSON)
                    if len(dialog.text("lesson")) > MAX_LESSON else "")
    return dialog
