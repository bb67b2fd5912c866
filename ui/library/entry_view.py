"""A library case read-only: its HTML (for the library page's detail pane) and a dialog showing it (opened from
a case's similar library cases)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from desk_app.domain.handling import CONTACT_METHOD_LABELS, STAGE_FIELDS
from desk_app.domain.portrait import Dimension
from desk_app.i18n import _
from desk_app.services.case_library import LibraryEntry, LibraryRow
from ui.screen_fit import resize_within_screen


def _e(text: object) -> str:
    return html.escape(str(text)).replace("\n", "<br>")


def type_text(row: LibraryRow) -> str:
    """The psychological types: primary, then secondary in brackets."""
    types = [t for t in (row.primary_type, row.secondary_type) if t is not None]
    if not types:
        return ""
    text = types[0].label
    return text + (f" ({types[1].label})" if len(types) > 1 else "")


def flags_text(row: LibraryRow) -> str:
    return "、".join(f.label for f in row.flags)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else _("yes") if value else _("no")


def entry_html(entry: LibraryEntry) -> str:
    """The whole entry as HTML: lesson first, then classification, portrait, checklist path, wording,
    resolution and outcome."""
    row = entry.row
    parts = [f"<h3>{_e(row.summary or row.cause_name)}</h3>",
             f"<p><b>{_e(_('Lesson'))}:</b> {_e(row.lesson)}</p>",
             f"<p>{_e(_('Cause'))}: {_e(row.axis_c)} {_e(row.cause_name)} · {_e(_('Business'))}: "
             f"{_e(row.axis_b)} {_e(entry.business_name)} · {_e(_('Channel'))}: {_e(entry.channel.label)} · "
             f"{_e(_('Severity'))}: {_e(entry.severity.label)}</p>"]
    if row.flags:
        parts.append(f"<p>{_e(_('Special flags'))}: {_e(flags_text(row))}</p>")
    parts.append(f"<p><b>{_e(_('What happened'))}:</b> {_e(entry.facts)}</p>")
    if entry.request_text:
        parts.append(f"<p><b>{_e(_('What the customer asked for'))}:</b> {_e(entry.request_text)}</p>")
    if entry.ratings:
        ratings = " · ".join(f"{_e(d.label)} {entry.ratings.get(d.value, '')}" for d in Dimension)
        parts.append(f"<h4>{_e(_('Portrait'))}</h4><p>{_e(type_text(row))}</p><p>{ratings}</p>")
        notes = [f"<li>{_e(Dimension(k).label)}: {_e(v)}</li>" for k, v in entry.portrait_notes.items()
                 if k in Dimension._value2member_map_]
        if notes:
            parts.append("<ul>" + "".join(notes) + "</ul>")
        if len(entry.emotion_trend) > 1:
            parts.append(f"<p>{_e(_('Emotion over the case'))}: {' → '.join(map(str, entry.emotion_trend))}</p>")
    if entry.checklists:
        parts.append(f"<h4>{_e(_('Checklist path'))}</h4>")
        for checklist in entry.checklists:
            steps = "".join(
                f"<li>{_e(s.title.text())}" + (f"<br><i>{_e(s.wording.text())}</i>" if s.wording.text() else "")
                + (f"<br>{_e(_('Note'))}: {_e(s.note)}" if s.note else "") + "</li>" for s in checklist.steps)
            parts.append(f"<p>{_e(checklist.title.text())}</p><ol>{steps}</ol>")
    if entry.stage_records or entry.contacts:
        parts.append(f"<h4>{_e(_('Wording used'))}</h4>")
        for stage, fields in STAGE_FIELDS.items():
            record = entry.stage_records.get(stage.value, {})
            lines = [f"<li>{_e(_(f.label))}: {_e(record[f.key])}</li>" for f in fields if record.get(f.key)]
            if lines:
                parts.append(f"<p>{_e(stage.label)}</p><ul>{''.join(lines)}</ul>")
        contacts = [f"<li>{_e(_(CONTACT_METHOD_LABELS.get(c.method, c.method)))}: {_e(c.summary)}"
                    + (f" — {_e(c.reaction)}" if c.reaction else "") + "</li>" for c in entry.contacts]
        if contacts:
            parts.append(f"<p>{_e(_('Contacts'))}</p><ul>{''.join(contacts)}</ul>")
    if entry.resolution_type:
        amount = f" {entry.resolution_amount:,.2f}" if entry.resolution_amount is not None else ""
        parts.append(f"<h4>{_e(_('Resolution'))}</h4><p>{_e(entry.resolution_type)}{_e(amount)}: "
                     f"{_e(entry.resolution_description)}</p><p>{_e(_('Basis'))}: {_e(entry.resolution_basis)}</p>"
                     f"<p>{_e(_('Upheld'))}: {_e(_yes_no(entry.upheld))} · {_e(_('Customer accepted'))}: "
                     f"{_e(_yes_no(entry.customer_accepted))}</p>")
    outcome = [f"{_e(_('Status'))}: {_e(entry.status.label)}"]
    if entry.days_to_close is not None:
        outcome.append(_e(_("closed after {n} days").format(n=entry.days_to_close)))
    if entry.on_time is not None:
        outcome.append(_e(_("answered on time") if entry.on_time else _("answered late")))
    if entry.satisfaction is not None:
        outcome.append(_e(_("satisfaction {n}/5").format(n=entry.satisfaction)))
    parts.append(f"<h4>{_e(_('Outcome'))}</h4><p>{' · '.join(outcome)}</p>")
    if entry.root_cause.get("description"):
        parts.append(f"<p>{_e(_('Root cause'))}: {_e(entry.root_cause['description'])}</p>")
    added = _("Added by {who} on {day}").format(who=row.marked_by, day=row.marked_at.date().isoformat())
    parts.append(f"<p style='color:#555'>{_e(added)}</p>")
    return "".join(parts)


class LibraryEntryDialog(QDialog):
    """One library case, read-only (Esc or Close)."""

    def __init__(self, entry: LibraryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryEntryDialog")
        self.setWindowTitle(_("Case library: {summary}").format(summary=entry.row.summary or entry.row.cause_name))
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("libraryEntryText")
        self.browser.setAccessibleName(_("The library case"))
        self.browser.setHtml(entry_html(entry))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        resize_within_screen(self, 720, 560)
        self.browser.setFocus()
