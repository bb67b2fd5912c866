"""New or edit a branch: code (fixed once created), names, institution type, letterhead details, time zone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.backend import Backend
from desk_app.config import DEFAULT_TIMEZONE
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType
from desk_app.i18n import _
from desk_app.services.branches import (
    BranchFields,
    BranchInfo,
    create_branch,
    list_branches,
    update_branch,
)
from ui.admin.service_dialog import ServiceDialog

#: Offered in the time-zone list (any IANA name may be typed).
TIME_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Urumqi")


class BranchDialog(ServiceDialog):
    """New branch (``branch`` None) or edit one; ``result_branch`` holds the saved branch."""

    def __init__(self, backend: Backend, actor: Actor, branch: BranchInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("branchDialog")
        self._backend, self._actor, self._branch = backend, actor, branch
        self.result_branch: BranchInfo | None = None
        self.code = QLineEdit(self)
        self.code.setObjectName("branchCode")
        self.code.setMaxLength(16)
        self.name = QLineEdit(self)
        self.name.setObjectName("branchName")
        self.name_en = QLineEdit(self)
        self.name_en.setObjectName("branchNameEn")
        self.institution = QComboBox(self)
        self.institution.setObjectName("institutionType")
        self.hotline = QLineEdit(self)
        self.hotline.setObjectName("hotline")
        self.address = QLineEdit(self)
        self.address.setObjectName("address")
        self.superior = QLineEdit(self)
        self.superior.setObjectName("superiorInstitution")
        self.superior_contact = QPlainTextEdit(self)
        self.superior_contact.setObjectName("superiorContact")
        self.superior_contact.setTabChangesFocus(True)
        self.superior_contact.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.logo = QLineEdit(self)
        self.logo.setObjectName("logoPath")
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(self.browse)
        self.timezone = QComboBox(self)
        self.timezone.setObjectName("timezone")
        self.timezone.setEditable(True)
        self.timezone.addItems(TIME_ZONES)
        self.active = QCheckBox(self)
        self.active.setObjectName("branchActive")
        self.active.setChecked(True)
        self.may_take = QCheckBox(self)  # the branch's rule (desk_app.services.case_workflow.take_case)
        self.may_take.setObjectName("handlersMayTake")
        self.may_take.setChecked(True)

        keys = ("code", "name", "name_en", "institution_type", "hotline", "address", "superior_institution",
                "superior_contact", "logo_path", "timezone")
        widgets: tuple[QWidget, ...] = (self.code, self.name, self.name_en, self.institution, self.hotline,
                                        self.address, self.superior, self.superior_contact, self.logo,
                                        self.timezone)
        self.labels = {key: QLabel(self) for key in keys}
        form = QFormLayout()
        for key, widget in zip(keys, widgets, strict=True):
            self.labels[key].setBuddy(widget)
            form.addRow(self.labels[key], logo_row if key == "logo_path" else widget)
            self.field_widgets[key] = widget
        self.field_widgets["branch_code"] = self.code
        self.field_widgets["active"] = self.active
        form.addRow("", self.active)
        self.field_widgets["handlers_may_take"] = self.may_take
        form.addRow("", self.may_take)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        if branch is not None:
            self._fill(branch)
        else:
            self.timezone.setCurrentText(DEFAULT_TIMEZONE)
        self.retranslate_ui()
        self.setMinimumWidth(560)

    def _fill(self, branch: BranchInfo) -> None:
        self.code.setText(branch.code)
        self.code.setReadOnly(True)
        self.code.setEnabled(False)
        self.name.setText(branch.name)
        self.name_en.setText(branch.name_en)
        self.hotline.setText(branch.hotline)
        self.address.setText(branch.address)
        self.superior.setText(branch.superior_institution)
        self.superior_contact.setPlainText(branch.superior_contact)
        self.logo.setText(branch.logo_path)
        self.timezone.setCurrentText(branch.timezone)
        self.active.setChecked(branch.active)
        self.active.setEnabled(not branch.is_headquarters)
        self.may_take.setChecked(branch.handlers_may_take)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Edit branch {code}").format(code=self._branch.code) if self._branch
                            else _("New branch"))
        texts = {"code": _("&Code:"), "name": _("&Name:"), "name_en": _("&English name:"),
                 "institution_type": _("&Institution type:"), "hotline": _("&Hotline:"), "address": _("A&ddress:"),
                 "superior_institution": _("&Superior institution:"),
                 "superior_contact": _("Superior's cont&act:"), "logo_path": _("&Letterhead logo:"),
                 "timezone": _("&Time zone:")}
        for key, text in texts.items():
            self.labels[key].setText(text)
            self.field_widgets[key].setAccessibleName(text.replace("&", "").rstrip(":："))
        self.code.setPlaceholderText(_("e.g. SH01 (letters and digits; part of every case number)"))
        self.hotline.setPlaceholderText(_("printed on receipts and letters, e.g. 95588"))
        self.superior.setPlaceholderText(_("where a customer applies for a review (核查)"))
        self.logo.setPlaceholderText(_("optional PNG or JPEG shown on the letterhead"))
        self.browse.setText(_("&Browse…"))
        self.active.setText(_("&Open (new cases and accounts may be added)"))
        self.may_take.setText(_("Handlers may ta&ke unassigned cases themselves"))
        current = self.institution.currentData() or (self._branch.institution_type.value if self._branch
                                                     else InstitutionType.BANK.value)
        self.institution.clear()
        for kind in InstitutionType:
            self.institution.addItem(kind.label, kind.value)
        self.institution.setCurrentIndex(max(self.institution.findData(current), 0))
        self.note.setText(_("The institution type decides the time limits of new cases: banks and insurers follow "
                            "the 15/30/60-day rules, other institutions the market-regulation rules."))

    def _browse_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Letterhead logo"), self.logo.text(),
                                                    _("Images (*.png *.jpg *.jpeg)"))
        if path:
            self.logo.setText(path)

    def values(self) -> BranchFields:
        return BranchFields(
            name=self.name.text(), institution_type=InstitutionType(self.institution.currentData()),
            name_en=self.name_en.text(), address=self.address.text(), hotline=self.hotline.text(),
            superior_institution=self.superior.text(), superior_contact=self.superior_contact.toPlainText(),
            logo_path=self.logo.text(), timezone=self.timezone.currentText(), active=self.active.isChecked(),
            handlers_may_take=self.may_take.isChecked())

    def current_version(self) -> Callable[[], object] | None:
        if self._branch is None:
            return None
        backend, branch_id = self._backend, self._branch.id
        return lambda: next((b for b in backend.read(list_branches) if b.id == branch_id), None)

    def version_read(self, current: object) -> None:
        if isinstance(current, BranchInfo):
            self._branch = current

    def save(self) -> Callable[[], object]:
        backend, actor, values = self._backend, self._actor, self.values()
        if self._branch is None:
            code = self.code.text()
            return lambda: backend.call(actor, create_branch, code, values)
        branch = self._branch
        return lambda: backend.call(actor, update_branch, branch.id, values, version=branch.version)

    def saved(self, result: object) -> None:
        assert isinstance(result, BranchInfo)
        self.result_branch = result
