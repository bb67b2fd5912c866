"""The complainant part of the intake form: the customer (person or organisation), an agent, and the
representatives of a group complaint."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import CustomerKind, IdType, PartyRole
from desk_app.domain.validation import normalise_phone, validate_credit_code, validate_resident_id
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services.dto import CustomerDraft, PartyDraft
from ui.i18n import LANGUAGE_NAMES
from ui.intake.combos import EnumCombo
from ui.intake.section import FormSection, Problems, form_layout, text_edit
from ui.intake.widgets import Field, FieldBox

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_id(id_type: IdType | None, number: str) -> str:
    """The ID number in stored form, checked where we know the rules (resident ID, credit code)."""
    number = number.strip()
    if not number:
        return ""
    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(number)
    if id_type is IdType.CREDIT_CODE:
        return validate_credit_code(number)
    return number


def check_phone(value: str) -> str:
    return normalise_phone(value) if value.strip() else ""


class CustomerSection(FormSection):
    """The complainant: kind, name, ID, phones, address, e-mail, language, organisation details."""

    sig_lookup = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("customerSection", parent)
        self.kind = EnumCombo(list(CustomerKind), "customerKind", self)
        self.name = QLineEdit(self)
        self.name.setObjectName("customerName")
        self.name.setMaxLength(200)
        self.id_number = QLineEdit(self)
        self.id_number.setObjectName("customerIdNumber")
        self.id_number.setMaxLength(64)
        self.id_number.setMinimumWidth(self.id_number.fontMetrics().horizontalAdvance("0" * 20))
        self.id_type = EnumCombo(list(IdType), "customerIdType", self)
        self.phone = QLineEdit(self)
        self.phone.setObjectName("customerPhone")
        self.phone.setMaxLength(40)
        self.phone2 = QLineEdit(self)
        self.phone2.setObjectName("customerPhone2")
        self.phone2.setMaxLength(40)
        self.lookup_button = QPushButton(self)
        self.lookup_button.setObjectName("lookupButton")
        self.lookup_button.clicked.connect(self.sig_lookup)
        self.address = QLineEdit(self)
        self.address.setObjectName("customerAddress")
        self.email = QLineEdit(self)
        self.email.setObjectName("customerEmail")
        self.email.setMaxLength(200)
        self.language = QComboBox(self)
        self.language.setObjectName("customerLanguage")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.legal_rep = QLineEdit(self)
        self.legal_rep.setObjectName("legalRepresentative")
        self.legal_rep.setMaxLength(100)
        self.contact = QLineEdit(self)
        self.contact.setObjectName("contactPerson")
        self.contact.setMaxLength(100)

        form = form_layout()
        self.add_row(form, "customer.kind", self.kind, self.kind)
        self.add_row(form, "customer.name", self.name, self.name)
        id_row = QHBoxLayout()
        id_row.addWidget(self.id_number, 3)
        id_row.addWidget(self.id_type, 2)
        self.add_row(form, "customer.id_number", id_row, self.id_number, chain=[self.id_number, self.id_type])
        phone_row = QHBoxLayout()
        phone_row.addWidget(self.phone, 1)
        phone_row.addWidget(self.phone2, 1)
        phone_row.addWidget(self.lookup_button)
        self.add_row(form, "customer.phone", phone_row, self.phone,
                     chain=[self.phone, self.phone2, self.lookup_button])
        self.fields["customer.phone2"] = Field("customer.phone2", self.phone2, self.fields["customer.phone"].error)
        self.add_row(form, "customer.legal_representative", self.legal_rep, self.legal_rep)
        self.add_row(form, "customer.contact_person", self.contact, self.contact)
        self.add_row(form, "customer.address", self.address, self.address)
        self.add_row(form, "customer.email", self.email, self.email)
        self.add_row(form, "customer.language", self.language, self.language)
        self._form = form
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(form)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.watch(self.kind, self.name, self.id_number, self.id_type, self.phone, self.phone2, self.address,
                   self.email, self.language, self.legal_rep, self.contact)
        self._kind_changed()

    def retranslate_ui(self) -> None:
        self.setTitle(_("Complainant"))
        self.kind.retranslate()
        self.id_type.retranslate()
        organisation = self.kind.value() is CustomerKind.ORGANISATION
        self.set_label("customer.kind", _("Complainant is:"))
        self.set_label("customer.name", _("Organisation &name:") if organisation else _("Complainant &name:"))
        self.set_label("customer.id_number", _("&ID number:"))
        self.id_type.setAccessibleName(_("ID type"))
        self.set_label("customer.phone", _("&Phone:"))
        self.phone.setPlaceholderText(_("Mobile or landline with area code"))
        self.phone2.setPlaceholderText(_("Second phone (optional)"))
        self.phone2.setAccessibleName(_("Second phone"))
        self.lookup_button.setText(_("Loo&k up"))
        self.lookup_button.setToolTip(_("Find earlier complaints by phone or ID number"))
        self.lookup_button.setAccessibleName(_("Look up the customer"))
        self.set_label("customer.legal_representative", _("Legal representative:"))
        self.set_label("customer.contact_person", _("Contact person:"))
        self.set_label("customer.address", _("Address:"))
        self.set_label("customer.email", _("E-mail:"))
        self.set_label("customer.language", _("Language for letters:"))

    def _kind_changed(self) -> None:
        organisation = self.kind.value() is CustomerKind.ORGANISATION
        for key in ("customer.legal_representative", "customer.contact_person"):
            self._form.setRowVisible(self.labels[key], organisation)
        if organisation and self.id_type.value() is IdType.RESIDENT_ID:
            self.id_type.set_value(IdType.CREDIT_CODE)
        elif not organisation and self.id_type.value() is IdType.CREDIT_CODE:
            self.id_type.set_value(IdType.RESIDENT_ID)
        self.retranslate_ui()

    # -- values --------------------------------------------------------------------------------------
    def problems(self) -> Problems:
        found: Problems = []
        if not self.name.text().strip():
            found.append(("customer.name", _("The complainant's name is required.")))
        try:
            check_id(self.id_type.value(), self.id_number.text())
        except ValidationError as exc:
            found.append(("customer.id_number", str(exc)))
        phone_ok = True
        for key, edit in (("customer.phone", self.phone), ("customer.phone2", self.phone2)):
            try:
                check_phone(edit.text())
            except ValidationError as exc:
                phone_ok = False
                found.append((key, str(exc)))
        email = self.email.text().strip()
        if email and not _EMAIL.match(email):
            found.append(("customer.email", _("'{email}' is not an e-mail address.").format(email=email)))
        if phone_ok and not (self.phone.text().strip() or self.phone2.text().strip() or self.address.text().strip()
                             or email):
            found.append(("customer.phone",
                          _("Give at least one way to reach the complainant (phone, address or e-mail).")))
        if self.kind.value() is CustomerKind.ORGANISATION and not self.contact.text().strip():
            found.append(("customer.contact_person", _("An organisation needs a contact person.")))
        return found

    def draft(self) -> CustomerDraft:
        """The customer as typed (call after ``problems()`` came back empty)."""
        organisation = self.kind.value() is CustomerKind.ORGANISATION
        phones = [p for p in (self.phone.text().strip(), self.phone2.text().strip()) if p]
        return CustomerDraft(
            name=self.name.text().strip(), kind=self.kind.value(),
            id_type=self.id_type.value() if self.id_number.text().strip() else None,
            id_number=check_id(self.id_type.value(), self.id_number.text()),
            phone=check_phone(phones[0]) if phones else "",
            phone2=check_phone(phones[1]) if len(phones) > 1 else "",
            email=self.email.text().strip(), address=self.address.text().strip(),
            language=str(self.language.currentData()),
            legal_representative=self.legal_rep.text().strip() if organisation else "",
            contact_person=self.contact.text().strip() if organisation else "",
        )

    def fill_from(self, record: CustomerDraft) -> None:
        """Copy a known customer's record into the fields (the clerk may still correct them)."""
        self.kind.set_value(record.kind)
        self.name.setText(record.name)
        if record.id_type is not None:
            self.id_type.set_value(record.id_type)
        self.id_number.setText(record.id_number)
        self.phone.setText(record.phone)
        self.phone2.setText(record.phone2)
        self.address.setText(record.address)
        self.email.setText(record.email)
        index = self.language.findData(record.language)
        if index >= 0:
            self.language.setCurrentIndex(index)
        self.legal_rep.setText(record.legal_representative)
        self.contact.setText(record.contact_person)

    def state(self) -> dict[str, Any]:
        return {"kind": self.kind.value().value, "name": self.name.text(), "id_type": self.id_type.value().value,
                "id_number": self.id_number.text(), "phone": self.phone.text(), "phone2": self.phone2.text(),
                "address": self.address.text(), "email": self.email.text(),
                "language": self.language.currentData(), "legal_representative": self.legal_rep.text(),
                "contact_person": self.contact.text()}

    def set_state(self, state: dict[str, Any]) -> None:
        self.kind.set_value(str(state.get("kind", CustomerKind.PERSON.value)))
        self.id_type.set_value(str(state.get("id_type", IdType.RESIDENT_ID.value)))
        for key, edit in (("name", self.name), ("id_number", self.id_number), ("phone", self.phone),
                          ("phone2", self.phone2), ("address", self.address), ("email", self.email),
                          ("legal_representative", self.legal_rep), ("contact_person", self.contact)):
            edit.setText(str(state.get(key, "")))
        index = self.language.findData(state.get("language", "zh_CN"))
        self.language.setCurrentIndex(max(index, 0))


class AgentSection(FormSection):
    """An agent acting for the complainant, with the authorisation (授权委托书) they present."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("agentSection", parent)
        self.has_agent = QCheckBox(self)
        self.has_agent.setObjectName("hasAgent")
        self.details = QWidget(self)
        self.name = QLineEdit(self.details)
        self.name.setObjectName("agentName")
        self.name.setMaxLength(100)
        self.id_number = QLineEdit(self.details)
        self.id_number.setObjectName("agentIdNumber")
        self.id_type = EnumCombo([t for t in IdType if t is not IdType.CREDIT_CODE], "agentIdType", self.details)
        self.phone = QLineEdit(self.details)
        self.phone.setObjectName("agentPhone")
        self.authorisation = text_edit("agentAuthorisation", self.details, 2)
        form = form_layout()
        form.setContentsMargins(0, 0, 0, 0)
        self.add_row(form, "agent.name", self.name, self.name)
        id_row = QHBoxLayout()
        id_row.addWidget(self.id_number, 3)
        id_row.addWidget(self.id_type, 2)
        self.add_row(form, "agent.id_number", id_row, self.id_number, chain=[self.id_number, self.id_type])
        self.add_row(form, "agent.phone", self.phone, self.phone)
        self.add_row(form, "agent.authorisation", self.authorisation, self.authorisation)
        self.details.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.has_agent)
        layout.addWidget(self.details)
        self.tab_chain.insert(0, self.has_agent)
        self.has_agent.toggled.connect(self.details.setVisible)
        self.details.setVisible(False)
        self.watch(self.has_agent, self.name, self.id_number, self.id_type, self.phone, self.authorisation)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Agent"))
        self.has_agent.setText(_("The complaint is made by an agent (代理人)"))
        self.id_type.retranslate()
        self.set_label("agent.name", _("Agent's name:"))
        self.set_label("agent.id_number", _("Agent's ID number:"))
        self.id_type.setAccessibleName(_("Agent's ID type"))
        self.set_label("agent.phone", _("Agent's phone:"))
        self.set_label("agent.authorisation", _("Authorisation:"))
        self.authorisation.setPlaceholderText(
            _("The authorisation document (授权委托书): who authorises whom, for what, signed on which date"))

    def problems(self) -> Problems:
        if not self.has_agent.isChecked():
            return []
        found: Problems = []
        if not self.name.text().strip():
            found.append(("agent.name", _("Each agent or representative needs a name.")))
        try:
            check_id(self.id_type.value(), self.id_number.text())
        except ValidationError as exc:
            found.append(("agent.id_number", str(exc)))
        try:
            check_phone(self.phone.text())
        except ValidationError as exc:
            found.append(("agent.phone", str(exc)))
        text = self.authorisation.toPlainText().strip()
        if not text:
            found.append(("agent.authorisation", _("An agent must present a signed authorisation (授权委托书).")))
        elif len(text) > 300:
            found.append(("agent.authorisation", _("At most {n} characters.").format(n=300)))
        return found

    def party(self) -> PartyDraft | None:
        if not self.has_agent.isChecked():
            return None
        number = self.id_number.text().strip()
        return PartyDraft(PartyRole.AGENT, self.name.text().strip(), self.id_type.value() if number else None,
                          check_id(self.id_type.value(), number), check_phone(self.phone.text()),
                          self.authorisation.toPlainText().strip())

    def state(self) -> dict[str, Any]:
        return {"present": self.has_agent.isChecked(), "name": self.name.text(), "id_type": self.id_type.value().value,
                "id_number": self.id_number.text(), "phone": self.phone.text(),
                "authorisation": self.authorisation.toPlainText()}

    def set_state(self, state: dict[str, Any]) -> None:
        self.has_agent.setChecked(bool(state.get("present", False)))
        self.name.setText(str(state.get("name", "")))
        self.id_type.set_value(str(state.get("id_type", IdType.RESIDENT_ID.value)))
        self.id_number.setText(str(state.get("id_number", "")))
        self.phone.setText(str(state.get("phone", "")))
        self.authorisation.setPlainText(str(state.get("authorisation", "")))


class _RepRow(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.name.setMaxLength(100)
        self.id_number = QLineEdit(self)
        self.id_number.setMaxLength(64)
        self.phone = QLineEdit(self)
        self.phone.setMaxLength(40)
        self.remove = QPushButton(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name, 2)
        layout.addWidget(self.id_number, 3)
        layout.addWidget(self.phone, 2)
        layout.addWidget(self.remove)

    def retranslate(self, position: int) -> None:
        self.name.setPlaceholderText(_("Full name"))
        self.name.setAccessibleName(_("Representative {n}: name").format(n=position))
        self.id_number.setPlaceholderText(_("Resident ID number"))
        self.id_number.setAccessibleName(_("Representative {n}: ID number").format(n=position))
        self.phone.setPlaceholderText(_("Phone"))
        self.phone.setAccessibleName(_("Representative {n}: phone").format(n=position))
        self.remove.setText(_("Remove"))
        self.remove.setAccessibleName(_("Remove representative {n}").format(n=position))


class RepresentativesSection(FormSection):
    """Representatives elected by a group complaint, up to the regime's cap (5 banking/insurance, 2 SAMR)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("representativesSection", parent)
        self.cap = 5
        self.rows: list[_RepRow] = []
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addRepresentative")
        self.add_button.clicked.connect(lambda: self.add_row_widget(focus=True))
        box = FieldBox(self.rows_box, self)
        self.fields["parties"] = Field("parties", self.add_button, box.error)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def set_cap(self, cap: int) -> None:
        self.cap = cap
        self._update()

    def retranslate_ui(self) -> None:
        self.setTitle(_("Representatives of the group complaint"))
        self.add_button.setText(_("Add representative"))
        self.add_button.setAccessibleName(_("Add representative"))
        for position, row in enumerate(self.rows, start=1):
            row.retranslate(position)
        self._update()

    def _update(self) -> None:
        self.note.setText(_("A group complaint elects at most {cap} representatives ({n} entered).").format(
            cap=self.cap, n=len(self.rows)))
        self.add_button.setEnabled(len(self.rows) < self.cap)

    def add_row_widget(self, focus: bool = False) -> _RepRow:
        row = _RepRow(self)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        row.remove.clicked.connect(lambda: self.remove_row(row))
        for edit in (row.name, row.id_number, row.phone):
            edit.textChanged.connect(self.sig_changed)
        row.retranslate(len(self.rows))
        self._update()
        self.sig_changed.emit()
        if focus:
            row.name.setFocus()
        return row

    def remove_row(self, row: _RepRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        for position, other in enumerate(self.rows, start=1):
            other.retranslate(position)
        self._update()
        self.sig_changed.emit()
        (self.rows[-1].name if self.rows else self.add_button).setFocus()

    def current_tab_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for row in self.rows:
            chain += [row.name, row.id_number, row.phone, row.remove]
        return [*chain, self.add_button]

    def problems(self) -> Problems:
        found: Problems = []
        if len(self.rows) > self.cap:
            found.append(("parties", _("A group complaint may elect at most {cap} representatives; {n} were given.")
                          .format(cap=self.cap, n=len(self.rows))))
        for position, row in enumerate(self.rows, start=1):
            try:
                if not row.name.text().strip():
                    raise ValidationError(_("Each agent or representative needs a name."))
                check_id(IdType.RESIDENT_ID, row.id_number.text())
                check_phone(row.phone.text())
            except ValidationError as exc:
                found.append(("parties", _("Representative {n}: {problem}").format(n=position, problem=exc)))
        return found

    def parties(self) -> list[PartyDraft]:
        return [PartyDraft(PartyRole.REPRESENTATIVE, row.name.text().strip(),
                           IdType.RESIDENT_ID if row.id_number.text().strip() else None,
                           check_id(IdType.RESIDENT_ID, row.id_number.text()), check_phone(row.phone.text()))
                for row in self.rows]

    def state(self) -> list[dict[str, str]]:
        return [{"name": r.name.text(), "id_number": r.id_number.text(), "phone": r.phone.text()} for r in self.rows]

    def set_state(self, state: list[dict[str, str]]) -> None:
        for row in list(self.rows):
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()
        for values in state:
            row = self.add_row_widget()
            row.name.setText(str(values.get("name", "")))
            row.id_number.setText(str(values.get("id_number", "")))
            row.phone.setText(str(values.get("phone", "")))
        self._update()
