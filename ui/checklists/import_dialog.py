"""HQ maintenance: import a checklist or the risk-signal word list from a TOML file. The file is validated
first (the result is shown, nothing is written); Import is possible only for a valid, newer version."""

from __future__ import annotations

import tomllib
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services import checklists, risk_signals
from desk_app.services.checklists import ChecklistImport
from desk_app.services.risk_signals import WordListImport
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.screen_fit import resize_within_screen
from ui.tasks import CancelledFn, ProgressFn, run_with_progress

CHECKLIST = "checklist"
WORD_LIST = "word_list"


def choose_file(parent: QWidget | None) -> Path | None:
    path, _filter = QFileDialog.getOpenFileName(parent, _("Choose the file from headquarters"), "",
                                                _("TOML files (*.toml);;All files (*)"))
    return Path(path) if path else None


def guess_kind(data: bytes) -> str | None:
    """A checklist has [[steps]], a word list [kinds.*]; None when the file says neither."""
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if "steps" in doc:
        return CHECKLIST
    if "kinds" in doc:
        return WORD_LIST
    return None


class GuidanceImportDialog(Retranslating, QDialog):
    """Pick a file, see the validation result, import. ``sig_imported`` carries the import report."""

    sig_imported = Signal(object)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guidanceImportDialog")
        self.ctx = ctx
        self._actor = actor
        self.path: Path | None = None
        self.data = b""
        self.checked: ChecklistImport | WordListImport | None = None

        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.checklist_radio = QRadioButton(self)
        self.checklist_radio.setObjectName("kindChecklist")
        self.checklist_radio.setChecked(True)
        self.word_list_radio = QRadioButton(self)
        self.word_list_radio.setObjectName("kindWordList")
        self.kinds = QButtonGroup(self)
        self.kinds.addButton(self.checklist_radio)
        self.kinds.addButton(self.word_list_radio)
        self.kinds.buttonClicked.connect(lambda _b: self.validate())
        kinds = QHBoxLayout()
        kinds.addWidget(self.checklist_radio)
        kinds.addWidget(self.word_list_radio)
        kinds.addStretch(1)
        self.choose_button = QPushButton(self)
        self.choose_button.setObjectName("chooseFile")
        self.choose_button.clicked.connect(self.choose)
        self.file_label = QLabel(self)
        self.file_label.setObjectName("fileLabel")
        chooser = QHBoxLayout()
        chooser.addWidget(self.choose_button)
        chooser.addWidget(self.file_label, 1)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("validationResult")
        self.result_label.setWordWrap(True)
        self.result_label.setStyleSheet("color: #2f5d3a; font-weight: bold;")
        self.error = InlineError(self)
        self.loaded_label = QLabel(self)
        self.loaded = QPlainTextEdit(self)
        self.loaded.setObjectName("loadedVersions")
        self.loaded.setReadOnly(True)
        self.loaded_label.setBuddy(self.loaded)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.do_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(kinds)
        layout.addLayout(chooser)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error)
        layout.addWidget(self.loaded_label)
        layout.addWidget(self.loaded, 1)
        layout.addWidget(self.buttons)
        resize_within_screen(self, 640, 460)
        self.retranslate_ui()
        self.show_loaded()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Import checklists and word lists"))
        self.intro.setText(_("Headquarters maintains the conversation checklists and the risk-signal word list as "
                             "TOML files. A file is checked before anything is loaded; its version must be higher "
                             "than the loaded one. Cases keep the checklist version they started with."))
        self.checklist_radio.setText(_("C&hecklist"))
        self.word_list_radio.setText(_("Risk-signal &word list"))
        self.choose_button.setText(_("&Choose file…"))
        if self.path is None:
            self.file_label.setText(_("No file chosen."))
        self.loaded_label.setText(_("&Loaded now:"))
        self.import_button.setText(_("&Import"))

    def kind(self) -> str:
        return WORD_LIST if self.word_list_radio.isChecked() else CHECKLIST

    def show_loaded(self) -> None:
        try:
            definitions = self.ctx.backend.read(checklists.list_definitions)
            words = self.ctx.backend.read(risk_signals.word_list_versions)
        except Exception as exc:
            show_error(self, exc)
            return
        lines = [_("{title} ({key}): version {version}, loaded by {who}").format(
            title=d.title.text(), key=d.key, version=d.version, who=d.loaded_by) for d in definitions]
        lines += [_("Word list {name}: version {version}").format(name=n, version=v) for n, v in words.items()]
        self.loaded.setPlainText("\n".join(lines) or _("Nothing loaded yet."))

    def choose(self) -> None:
        path = choose_file(self)
        if path is not None:
            self.load_file(path)

    def load_file(self, path: Path) -> None:
        try:
            self.data = path.read_bytes()
        except OSError as exc:
            self.path, self.data = None, b""
            self._show_problem(_("The file cannot be read: {error}").format(error=exc))
            return
        self.path = path
        self.file_label.setText(str(path))
        guessed = guess_kind(self.data)
        if guessed == WORD_LIST:
            self.word_list_radio.setChecked(True)
        elif guessed == CHECKLIST:
            self.checklist_radio.setChecked(True)
        self.validate()

    def validate(self) -> None:
        """Check the chosen file as the import would, without loading it; show the result."""
        self.checked = None
        self.import_button.setEnabled(False)
        if self.path is None:
            return
        backend, actor, data, source, kind = self.ctx.backend, self._actor, self.data, self.path.name, self.kind()

        def work(_progress: ProgressFn, _cancelled: CancelledFn) -> ChecklistImport | WordListImport:
            if kind == WORD_LIST:
                return backend.call(actor, risk_signals.check_word_list_import, data, source)
            return backend.call(actor, checklists.check_checklist_import, data, source)

        try:
            self.checked = run_with_progress(self, _("Checking the file…"), work)
        except UserError as exc:
            self._show_problem(str(exc))
            return
        except Exception as exc:
            show_error(self, exc)
            return
        self.error.clear()
        self.result_label.setText(self.describe(self.checked, checked_only=True))
        self.result_label.show()
        self.import_button.setEnabled(True)

    def describe(self, report: ChecklistImport | WordListImport, checked_only: bool) -> str:
        previous = (_("replaces version {n}").format(n=report.previous_version) if report.previous_version
                    else _("new"))
        if isinstance(report, ChecklistImport):
            text = _("Checklist “{title}” ({key}) version {version} ({previous}): {steps} steps; gates: {gates}.")\
                .format(title=report.title.text(), key=report.key, version=report.version, previous=previous,
                        steps=report.steps, gates=", ".join(report.gates) or _("none"))
        else:
            text = _("Word list {name} version {version} ({previous}): {phrases} phrases in {kinds}.").format(
                name=report.name, version=report.version, previous=previous, phrases=report.phrases,
                kinds=", ".join(report.kinds))
        prefix = _("The file is valid.") if checked_only else _("Imported.")
        return f"{prefix} {text}"

    def _show_problem(self, message: str) -> None:
        self.result_label.hide()
        self.error.show_message(message)

    def do_import(self) -> None:
        if self.checked is None or self.path is None:
            return
        backend, actor, data, source, kind = self.ctx.backend, self._actor, self.data, self.path.name, self.kind()

        def work(_progress: ProgressFn, _cancelled: CancelledFn) -> ChecklistImport | WordListImport:
            if kind == WORD_LIST:
                return backend.call(actor, risk_signals.import_word_list, data, source)
            return backend.call(actor, checklists.import_checklist, data, source)

        try:
            report = run_with_progress(self, _("Importing…"), work)
        except UserError as exc:
            self._show_problem(str(exc))
            self.import_button.setEnabled(False)
            return
        except Exception as exc:
            show_error(self, exc)
            return
        self.checked = None
        self.import_button.setEnabled(False)
        self.result_label.setText(self.describe(report, checked_only=False))
        self.result_label.show()
        self.show_loaded()
        self.sig_imported.emit(report)
