"""Link or merge… (关联或合并): the other case's number, how it relates to this case — one of the link kinds,
or a merge either way — and a note (the reason, required for a merge). A merge cannot be undone, so choosing
one shows what it does before OK is pressed (``desk_app.services.case_links``)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from desk_app.domain.enums import LinkKind
from desk_app.i18n import _
from desk_app.services.case_links import MergeDirection
from ui.cases.action_dialogs import ActionDialog

#: The choices of the "How" list: a link kind, or a merge direction.
Choice = LinkKind | MergeDirection


def choices(may_merge: bool) -> list[tuple[str, Choice]]:
    """The link kinds, then (for those who may merge) the two merges."""
    items: list[tuple[str, Choice]] = [(_("Link: {kind}").format(kind=kind.label), kind) for kind in LinkKind]
    if may_merge:
        items += [(_("Merge that case into this one (this case is the main case)"), MergeDirection.INTO_THIS),
                  (_("Merge this case into that one (that case is the main case)"), MergeDirection.THIS_INTO_OTHER)]
    return items


def choice_of(data: object) -> Choice:
    """The choice an item's data stands for (a combo box hands a StrEnum back as its plain text)."""
    text = str(data)
    return LinkKind(text) if text in LinkKind._value2member_map_ else MergeDirection(text)


def link_dialog(parent: QWidget | None, case_number: str, may_merge: bool) -> ActionDialog:
    """The dialog; its answers: ``other`` (the number), ``how`` (data: a ``Choice``) and ``note``."""
    dialog = ActionDialog("linkDialog", _("Link or merge cases"), _(
        "Link case {number} with a related case — the same customer by another channel, a regulator's transfer "
        "of the same complaint, a member of the same group complaint — or merge a duplicate into its main "
        "case.").format(number=case_number), _("&Link"), parent)
    dialog.add_text("other", _("&Other case number"), required=True, placeholder=_("e.g. {number}").format(
        number=case_number))
    how = dialog.add_combo("how", _("&How they relate"), choices(may_merge), required=True)
    dialog.add_text("note", _("&Note / reason"), multiline=True)

    def merging() -> bool:
        return how.currentData() is not None and isinstance(choice_of(how.currentData()), MergeDirection)

    def chosen(_index: int = 0) -> None:
        if merging():
            dialog.show_notice(_(
                "A merge cannot be undone. The duplicate is closed as merged and leaves the queues and the "
                "figures; both numbers and both timelines are kept; the main case keeps the earlier of the two "
                "due dates."))
            dialog.ok_button.setText(_("&Merge"))
        else:
            dialog.show_notice("")
            dialog.ok_button.setText(_("&Link"))

    how.currentIndexChanged.connect(chosen)
    dialog.add_rule(lambda: _("Say why the two cases are one complaint.")
                    if merging() and not dialog.text("note") else "")
    dialog.add_rule(lambda: _("That is this case's own number: type the other case's number.")
                    if dialog.text("other").upper() == case_number.upper() else "")
    chosen()
    return dialog


def how_combo(dialog: ActionDialog) -> QComboBox:
    widget = dialog.fields["how"]
    assert isinstance(widget, QComboBox)
    return widget
