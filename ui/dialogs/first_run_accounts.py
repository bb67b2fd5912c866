"""The first-run wizard's account pages: the administrator, and at headquarters the HQ analyst."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout

from desk_app.errors import ValidationError
from desk_app.i18n import _
from ui.dialogs.common import InlineError
from ui.dialogs.wizard_page import PAGE_ANALYST, PAGE_DEMO, Page, labelled_form, tab_chain

if TYPE_CHECKING:
    from ui.dialogs.first_run_wizard import FirstRunWizard


class AccountPage(Page):
    """A staff account made by the wizard: user name, display name and the password twice."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.username = QLineEdit(self)
        self.display_name = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password_again = QLineEdit(self)
        for edit in (self.password, self.password_again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.labels = [QLabel(self) for _ in range(4)]
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.error = InlineError(self)
        form = labelled_form(self.labels, [self.username, self.display_name, self.password, self.password_again])
        form.addRow("", self.hint)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.error)
        tab_chain([self.username, self.display_name, self.password, self.password_again])

    def label_fields(self, accessible_names: tuple[str, str, str, str]) -> None:
        for label, text in zip(self.labels, (_("&User name:"), _("&Display name:"), _("&Password:"),
                                             _("Password &again:")), strict=True):
            label.setText(text)
        for widget, name in zip((self.username, self.display_name, self.password, self.password_again),
                                accessible_names, strict=True):
            widget.setAccessibleName(name)

    def check_account(self, taken: str = "", taken_message: str = "") -> bool:
        """Check the fields (``taken``: a user name already used in this wizard); on a problem, say it
        inline, focus its field and return False."""
        from desk_app.services.accounts import validate_password, validate_username  # not before the first paint

        field: QLineEdit = self.username
        try:
            name = validate_username(self.username.text())
            if taken and name == taken:
                raise ValidationError(taken_message)
            field = self.password
            validate_password(self.password.text())
            if self.password.text() != self.password_again.text():
                self.password_again.clear()
                field = self.password_again
                raise ValidationError(_("The two passwords are not the same."))
        except ValidationError as exc:
            self.error.show_message(str(exc))
            field.setFocus()
            return False
        self.error.clear()
        return True


class AdminPage(AccountPage):
    """The administrator account, who then creates the other staff accounts."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.username.setText("admin")

    def retranslate_ui(self) -> None:
        self.setTitle(_("The administrator"))
        self.setSubTitle(_("The administrator creates the other staff accounts and manages the branches."))
        self.hint.setText(_("At least 8 characters, with letters and digits."))
        self.label_fields((_("Administrator user name"), _("Administrator display name"), _("Password"),
                           _("Password again")))

    def initializePage(self) -> None:
        # The wizard focuses the page's first field after this; the user name is filled in already.
        QTimer.singleShot(0, self.display_name.setFocus)

    def nextId(self) -> int:
        return PAGE_ANALYST if self._wizard.branch_page.is_hq.isChecked() else PAGE_DEMO

    def validatePage(self) -> bool:
        return self.check_account()


class AnalystPage(AccountPage):
    """At headquarters: the HQ analyst's account, made with the administrator (optional: leave the user
    name empty to make it later on the administration page)."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.username.setPlaceholderText("hq.analyst")

    def retranslate_ui(self) -> None:
        self.setTitle(_("The HQ analyst"))
        self.setSubTitle(_("The HQ analyst reads every branch's cases and makes the reports for headquarters."))
        self.hint.setText(_("Leave the user name empty to create the analyst later (Administration, Users). "
                            "The analyst chooses a new password at the first sign-in."))
        self.label_fields((_("HQ analyst user name"), _("HQ analyst display name"), _("HQ analyst password"),
                           _("HQ analyst password again")))

    def nextId(self) -> int:
        return PAGE_DEMO

    def wanted(self) -> bool:
        return bool(self.username.text().strip())

    def validatePage(self) -> bool:
        if not self.wanted():
            self.error.clear()
            return True
        from desk_app.services.accounts import normalise_username

        admin = normalise_username(self._wizard.admin_page.username.text())
        return self.check_account(admin, _("The HQ analyst needs a user name of their own."))
