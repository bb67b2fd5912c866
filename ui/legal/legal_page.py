"""The legal reference page (法律查询): search the article summaries, read one, cite it in a case.

The reference is read once in the background; searching is then done in memory on every keystroke (a
few hundred articles). Opened for a case (``set_case``), the page offers "Cite in this case": the
article's line goes into the 析 analyse step's basis and the timeline records the citation; afterwards
``sig_cite(article_key)`` is emitted so the case view can reload.
"""

from __future__ import annotations

import html
import uuid

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.legal import Article, LegalReference, search_articles
from desk_app.i18n import _, ngettext
from desk_app.services import legal
from desk_app.services.legal import Citation
from ui import icons
from ui.context import AppContext
from ui.errors import show_error
from ui.help.help_browser import install_f1
from ui.legal.article_model import ArticleModel
from ui.page import Page
from ui.tables import readonly_table
from ui.tasks import run_call

HELP_SECTION = "legal"
ALL_LAWS = ""


class _SearchEdit(QLineEdit):
    """Down or Enter moves to the results, so the keyboard never has to leave the home row."""

    sig_to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.sig_to_results.emit()
            return
        super().keyPressEvent(event)


class LegalReferencePage(Page):
    sig_cite = Signal(str)
    """An article was cited in the case (emitted after the citation is stored), with its key."""

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legalReferencePage")
        self._ctx = ctx
        self._actor = actor
        self.reference: LegalReference | None = None
        self._loading = False
        self._citing = False
        self.complaint_id: uuid.UUID | None = None
        self.case_number = ""
        self._build()
        self.retranslate_ui()

    # -- construction ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.version_label = QLabel(self)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.version_label, 1)

        self.search_label = QLabel(self)
        self.search_edit = _SearchEdit(self)
        self.search_edit.setObjectName("legalSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_label.setBuddy(self.search_edit)
        self.search_edit.textChanged.connect(self.run_search)
        self.search_edit.sig_to_results.connect(self.focus_results)
        self.law_label = QLabel(self)
        self.law_combo = QComboBox(self)
        self.law_combo.setObjectName("legalLawFilter")
        self.law_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.law_label.setBuddy(self.law_combo)
        self.law_combo.currentIndexChanged.connect(self.run_search)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("legalCount")
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_label)
        search_row.addWidget(self.search_edit, 2)
        search_row.addSpacing(8)
        search_row.addWidget(self.law_label)
        search_row.addWidget(self.law_combo, 1)
        search_row.addWidget(self.count_label)

        self.model = ArticleModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("legalTable")
        self.table.setModel(self.model)
        readonly_table(self.table)  # law and article fit their text; the title takes the rest
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._double_clicked)

        self.detail = QTextBrowser(self)
        self.detail.setObjectName("legalDetail")
        self.detail.setOpenExternalLinks(True)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.case_bar = QWidget(self)
        self.case_label = QLabel(self.case_bar)
        self.note_label = QLabel(self.case_bar)
        self.note_edit = QLineEdit(self.case_bar)
        self.note_edit.setObjectName("legalCiteNote")
        self.note_edit.setMaxLength(legal.MAX_NOTE)
        self.note_label.setBuddy(self.note_edit)
        self.note_edit.returnPressed.connect(self.cite_current)
        self.cite_button = QPushButton(self.case_bar)
        self.cite_button.setObjectName("legalCiteButton")
        self.cite_button.clicked.connect(self.cite_current)
        self.cite_status = QLabel(self.case_bar)
        self.cite_status.setObjectName("legalCiteStatus")
        self.cite_status.setWordWrap(True)
        bar = QHBoxLayout(self.case_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.case_label)
        bar.addSpacing(8)
        bar.addWidget(self.note_label)
        bar.addWidget(self.note_edit, 1)
        bar.addWidget(self.cite_button)
        bar.addWidget(self.cite_status, 1)
        self.case_bar.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(search_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.case_bar)
        self.setTabOrder(self.search_edit, self.law_combo)
        self.setTabOrder(self.law_combo, self.table)
        self.setTabOrder(self.table, self.detail)
        self.setTabOrder(self.detail, self.note_edit)
        self.setTabOrder(self.note_edit, self.cite_button)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        cite = QShortcut(QKeySequence("Ctrl+Return"), self)
        cite.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        cite.activated.connect(self.cite_current)
        self.help_shortcut = install_f1(self, HELP_SECTION)

    # -- Page ------------------------------------------------------------------------------------
    def nav_title(self) -> str:
        return _("Legal reference")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.LEGAL)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Legal reference (法律查询)"))
        self.search_label.setText(_("&Search:"))
        self.search_edit.setPlaceholderText(_("A word, a law or an article: 回避, 核查, 格式条款, 第39条 (Ctrl+F)"))
        self.search_edit.setAccessibleName(_("Search the legal reference"))
        self.law_label.setText(_("&Law:"))
        self.law_combo.setAccessibleName(_("Law"))
        self.table.setAccessibleName(_("Articles found"))
        self.detail.setAccessibleName(_("Article summary"))
        self.note_label.setText(_("&Note for the basis:"))
        self.note_edit.setPlaceholderText(_("optional: how the article applies to this case"))
        self.cite_button.setText(_("&Cite in this case"))
        self.cite_button.setToolTip(_("Adds the article to the basis of the 析 analyse step and to the timeline "
                                      "(Ctrl+Enter)."))
        self._fill_laws()
        self._update_version()
        self._update_case_label()
        self.model.retranslate()
        self._update_count()
        self._show_detail(self.current_article())

    def refresh(self) -> None:
        """Read the reference in use (a new HQ version shows up here); the search is kept."""
        if self._loading:
            return
        self._loading = True
        backend = self._ctx.backend

        run_call(self, lambda: backend.read(legal.load_reference), self._loaded, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        show_error(self, exc)

    def _loaded(self, result: LegalReference) -> None:
        self._loading = False
        self.set_reference(result)

    # -- public ----------------------------------------------------------------------------------
    def set_reference(self, reference: LegalReference) -> None:
        current = self.current_article()
        self.reference = reference
        self._fill_laws()
        self._update_version()
        self.run_search()
        if current is not None:
            self.select_article(current.key)

    def set_case(self, complaint_id: uuid.UUID | None, case_number: str = "") -> None:
        """Open the page for a case (shows "Cite in this case"); None closes it again."""
        self.complaint_id = complaint_id
        self.case_number = case_number if complaint_id else ""
        self.cite_status.clear()
        self.note_edit.clear()
        self.case_bar.setVisible(complaint_id is not None)
        self._update_case_label()
        self._update_cite_button()

    def search(self, text: str, law: str | None = None) -> None:
        """Show the articles matching ``text`` (within ``law``, a law key, when given)."""
        if law is not None:
            index = self.law_combo.findData(law)
            self.law_combo.setCurrentIndex(max(index, 0))
        self.search_edit.setText(text)
        self.run_search()

    def current_article(self) -> Article | None:
        index = self.table.currentIndex()
        return self.model.article(index.row()) if index.isValid() else None

    def select_article(self, key: str) -> bool:
        row = self.model.row_of(key)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def focus_results(self) -> None:
        if self.model.rowCount():
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- searching -------------------------------------------------------------------------------
    def _law_filter(self) -> str | None:
        value = self.law_combo.currentData()
        return str(value) if value else None

    def run_search(self) -> None:
        if self.reference is None:
            self.model.set_articles([])
        else:
            current = self.current_article()
            self.model.set_articles(search_articles(self.reference, self.search_edit.text(), self._law_filter()))
            if not (current is not None and self.select_article(current.key)) and self.model.rowCount():
                self.table.selectRow(0)
        self._update_count()
        self._show_detail(self.current_article())

    def _fill_laws(self) -> None:
        chosen = self.law_combo.currentData()
        self.law_combo.blockSignals(True)
        self.law_combo.clear()
        self.law_combo.addItem(_("All laws and rules"), ALL_LAWS)
        for law in self.reference.laws if self.reference else ():
            self.law_combo.addItem(law.short(), law.key)
            self.law_combo.setItemData(self.law_combo.count() - 1, law.name(), Qt.ItemDataRole.ToolTipRole)
        self.law_combo.setCurrentIndex(max(self.law_combo.findData(chosen), 0))
        self.law_combo.blockSignals(False)

    def _update_count(self) -> None:
        if self.reference is None:
            self.count_label.setText(_("Loading…"))
            return
        n = self.model.rowCount()
        self.count_label.setText(ngettext("{n} article", "{n} articles", n).format(n=n))

    def _update_version(self) -> None:
        if self.reference is None:
            self.version_label.clear()
            return
        self.version_label.setText(_("Version {version} · summaries only: the official text prevails").format(
            version=self.reference.version))

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_detail(self.current_article())

    def _double_clicked(self, _index: QModelIndex) -> None:
        if self.complaint_id is not None:
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_detail(self, article: Article | None) -> None:
        self._update_cite_button()
        if article is None:
            no_match = _("No article matches the search.")
            self.detail.setHtml(f"<p>{html.escape(no_match)}</p>"
                                if self.reference is not None and not self.model.rowCount() else "")
            return
        self.detail.setHtml(article_html(article))

    # -- citing ----------------------------------------------------------------------------------
    def _update_case_label(self) -> None:
        self.case_label.setText(_("Case {number}").format(number=self.case_number) if self.case_number
                                else _("This case"))

    def _update_cite_button(self) -> None:
        self.cite_button.setEnabled(self.complaint_id is not None and not self._citing
                                    and self.current_article() is not None)

    def cite_current(self) -> None:
        """Cite the selected article in the case (after a confirmation for an unverified one)."""
        article = self.current_article()
        if self.complaint_id is None or article is None or self._citing:
            return
        if not article.verified and not self._confirm_unverified(article):
            return
        self._citing = True
        self._update_cite_button()
        self.cite_status.setText(_("Saving…"))
        backend, actor, complaint_id, note = self._ctx.backend, self._actor, self.complaint_id, self.note_edit.text()

        run_call(self, lambda: backend.call(actor, legal.cite, complaint_id, article.key, note), self._cited,
                 self._cite_failed)

    def _confirm_unverified(self, article: Article) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, _("Not verified"), _(
            "{citation}: the article number or a figure has not been checked against the official text."
        ).format(citation=article.citation), QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            self)
        box.setObjectName("legalUnverifiedBox")
        box.setInformativeText(_("{note}\n\nCheck the official text before the letter is issued. Cite it anyway?")
                               .format(note=article.note))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Ok.value

    def _cited(self, result: Citation) -> None:
        self._citing = False
        self.note_edit.clear()
        self.cite_status.setText(_("Cited: {citation}").format(citation=result.citation))
        self._update_cite_button()
        self.sig_cite.emit(result.article_key)

    def _cite_failed(self, exc: BaseException) -> None:
        self._citing = False
        self.cite_status.clear()
        self._update_cite_button()
        show_error(self, exc)


def article_html(article: Article) -> str:
    """The full entry, for the detail pane: title, citation, summary (with the Chinese original when the
    screen is in English), keywords, edition and source, and any caveat."""
    e = html.escape
    parts = [f"<h3>{e(article.title())}</h3>",
             f"<p><b>{e(article.citation)}</b><br/><small>{e(article.law.name('en'))} · {e(article.law.edition)}"
             f"</small></p>"]
    if not article.verified:
        unverified = _("Not verified against the official text.")
        parts.append(f"<p><b>⚠ {e(unverified)}</b> {e(article.note)}</p>")
    elif article.note:
        parts.append(f"<p><i>{e(article.note)}</i></p>")
    summary = article.summary()
    parts.append(f"<p>{e(summary)}</p>")
    if summary != article.summary_zh:
        parts.append(f"<p lang='zh'>{e(article.summary_zh)}</p>")
    keywords_label, source_label, key_label = _("Keywords"), _("Source"), _("Article key")
    parts.append(f"<p><small>{e(keywords_label)}: {e('、'.join(article.keywords))}<br/>"
                 f"{e(source_label)}: {e(article.source)}")
    if article.law.url:
        parts.append(f"<br/><a href='{e(article.law.url)}'>{e(article.law.url)}</a>")
    parts.append(f"<br/>{e(key_label)}: {e(article.key)}</small></p>")
    return "".join(parts)
