"""A taxonomy code picker: type a code or part of a name, pick from a list that shows codes and parents,
or browse the tree (F4 or the … button)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desk_app.i18n import _
from desk_app.services.reference import CodeInfo, label_for
from ui.accessibility import KEYBOARD_ALTERNATIVE
from ui.intake.code_words import search_words
from ui.screen_fit import resize_within_screen

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
NO_PREFIX_ROLE = Qt.ItemDataRole.UserRole + 3
ModelIndex = QModelIndex | QPersistentModelIndex
#: Keys that move the current row of the list, and by how many rows.
_STEPS = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}


def code_text(info: CodeInfo) -> str:
    return f"{info.code} {label_for(info)}"


def _search_text(info: CodeInfo, parent: CodeInfo | None) -> str:
    """Code, names, everyday words and pinyin (initials and full) of the code, and the parent's code and names
    (typing a parent's name lists its children too)."""
    parts = [info.code, info.name_zh, info.name_en, *search_words(info.code, info.name_zh)]
    if parent is not None:
        parts += [parent.code, parent.name_zh, parent.name_en]
    return " ".join(p for p in parts if p).casefold()


def _contains_all(needle: str, haystack: str) -> bool:
    """Every word of ``needle`` (already folded) occurs in ``haystack``."""
    return all(word in haystack for word in needle.split())


class _Completer(QCompleter):
    """Matches anywhere in code, Chinese and English names (and the parent's); inserts "code name"."""

    def pathFromIndex(self, index: ModelIndex) -> str:
        code = index.data(CODE_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        return str(text).strip() if code else ""


class CodePicker(QWidget):
    """Holds one code of one axis. ``code()`` is None until the text names exactly one code."""

    sig_changed = Signal()

    def __init__(self, axis: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.axis = axis
        self.setObjectName(f"codePicker{axis}")
        self._codes: dict[str, CodeInfo] = {}
        self._infos: list[CodeInfo] = []
        self._code: str | None = None
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"axis_{axis.lower()}")
        self.edit.setClearButtonEnabled(True)
        self.list_model = QStandardItemModel(self)
        # the list is filtered here (every typed word, in codes, names, everyday words and pinyin), not by
        # QCompleter's one-string match; the completer only shows it
        self.filter_model = _Filter(self)
        self.filter_model.setSourceModel(self.list_model)
        self.completer = _Completer(self.filter_model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        # no row holds this role, so the field's own prefix match never picks a current row behind Down's back
        self.completer.setCompletionRole(NO_PREFIX_ROLE)
        self.completer.setMaxVisibleItems(12)
        self._popup().installEventFilter(self)
        self.completer.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        self.edit.setCompleter(self.completer)
        self.edit.editingFinished.connect(self.resolve)
        self.edit.textEdited.connect(self._edited)
        self.browse_button = QToolButton(self)
        self.browse_button.setText("…")
        self.browse_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F4 in the field does the same
        self.browse_button.setProperty(KEYBOARD_ALTERNATIVE, "F4")
        self.browse_button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse_button)
        self.setFocusProxy(self.edit)
        self.edit.installEventFilter(self)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.edit.setPlaceholderText(_("Type a code or part of a name; F4 for the list"))
        self.browse_button.setToolTip(_("Browse the codes (F4)"))
        self.browse_button.setAccessibleName(_("Browse the codes"))
        if self._infos:
            self.set_codes(self._infos)

    # -- data --------------------------------------------------------------------------------------
    def set_codes(self, infos: Sequence[CodeInfo]) -> None:
        """Fill the list (tree order, as ``list_taxonomy`` returns it); the current code is kept."""
        self._infos = list(infos)
        self._codes = {info.code: info for info in infos}
        self.list_model.clear()
        bold = QFont()
        bold.setBold(True)
        for info in infos:
            parent = self._codes.get(info.parent_code or "")
            text = code_text(info) if parent is None else f"    {code_text(info)}  ‹ {label_for(parent)}"
            item = QStandardItem(text)
            item.setData(info.code, CODE_ROLE)
            item.setData(_search_text(info, parent), SEARCH_ROLE)
            item.setToolTip(code_text(info) if parent is None else f"{code_text(parent)} › {code_text(info)}")
            if parent is None:
                item.setFont(bold)
            item.setEditable(False)
            self.list_model.appendRow(item)
        if self._code in self._codes:
            self._show(self._code)
        elif self.edit.text().strip():
            self.resolve()

    def codes(self) -> list[CodeInfo]:
        return list(self._infos)

    def code(self) -> str | None:
        return self._code

    def text(self) -> str:
        return self.edit.text()

    def set_code(self, code: str | None) -> None:
        if code and code in self._codes:
            self._show(code)
        else:
            self._code = None
            self.edit.setText(code or "")
        self.sig_changed.emit()

    def set_text(self, text: str) -> None:
        """Restore typed text (a draft): resolved to a code when it names exactly one."""
        self.edit.setText(text)
        self.resolve()

    def matches(self, text: str) -> list[CodeInfo]:
        """The codes ``text`` names: an exact code first, else every code whose search text contains it."""
        needle = text.strip()
        if not needle:
            return []
        token = needle.split()[0].upper()
        if token in self._codes:
            return [self._codes[token]]
        folded = needle.casefold()
        return [info for info in self._infos
                if _contains_all(folded, _search_text(info, self._codes.get(info.parent_code or "")))
                or folded == code_text(info).casefold()]

    def resolve(self) -> None:
        """Turn the typed text into a code when it names exactly one; otherwise keep the text as typed."""
        found = self.matches(self.edit.text())
        before = self._code
        if len(found) == 1:
            self._show(found[0].code)
        else:
            self._code = None
        if self._code != before:
            self.sig_changed.emit()

    def _show(self, code: str) -> None:
        self._code = code
        text = code_text(self._codes[code])
        if self.edit.text() != text:
            self.edit.setText(text)
        self.edit.setToolTip(self._path(code))

    def _path(self, code: str) -> str:
        info = self._codes[code]
        parent = self._codes.get(info.parent_code or "")
        return code_text(info) if parent is None else f"{code_text(parent)} › {code_text(info)}"

    def _edited(self, text: str) -> None:
        if self._code is not None:
            self._code = None
            self.sig_changed.emit()
        self.show_list(text)

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter makes its list view on first use
        return popup

    def show_list(self, text: str) -> None:
        """The codes ``text`` finds (all of them for no text) in the popup under the field; hidden when none."""
        self.filter_model.set_needle(text)
        popup = self._popup()
        if text.strip() and self.filter_model.rowCount() == 0:
            popup.hide()
            return
        self.completer.setCompletionPrefix("")
        self.completer.complete()
        popup.setCurrentIndex(QModelIndex())

    def _move(self, step: int) -> None:
        """Up/Down in the field: open the list, or move its current row (the row Enter takes)."""
        popup = self._popup()
        if not popup.isVisible():
            self.show_list("" if self._code is not None else self.edit.text())
            if not popup.isVisible():
                return
        rows = self.filter_model.rowCount()
        if rows == 0:
            return
        current = popup.currentIndex()
        row = (current.row() + step) if current.isValid() else (0 if step > 0 else rows - 1)
        popup.setCurrentIndex(self.filter_model.index(max(0, min(rows - 1, row)), 0))

    def _take_current(self) -> bool:
        """Enter with the list open: take its current row, or the only row; False when neither is there."""
        popup = self._popup()
        index = popup.currentIndex()
        if not index.isValid() and self.filter_model.rowCount() == 1:
            index = self.filter_model.index(0, 0)
        if not index.isValid():
            return False
        self._hide_list()
        self._picked(index)
        return True

    def _hide_list(self) -> None:
        """Close the popup list and give the activation back to the field's window (a hidden popup could stay
        the active window, and the window's Alt letters then went nowhere)."""
        self._popup().hide()
        # let the window system's answers to showing and hiding the list arrive first, so that nothing
        # makes the hidden list active after the field's window took the activation back
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        window = self.edit.window()
        if QApplication.activeWindow() is not window:
            window.activateWindow()
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def _picked(self, index: QModelIndex) -> None:
        code = index.data(CODE_ROLE)
        if code:
            self._show(str(code))
            self.sig_changed.emit()

    # -- browsing ----------------------------------------------------------------------------------
    def eventFilter(self, watched: object, event: object) -> bool:
        """F4 browses; Up/Down move in the list and Enter takes a row (the list's own keys, for when the
        key arrives at the field rather than at the popup)."""
        if watched is self.completer.popup() and isinstance(event, QEvent) \
                and event.type() == QEvent.Type.WindowActivate and not self._popup().isVisible():
            # a list already hidden became the active window (the window system's late answer to showing it):
            # the field's window takes the activation back, or its Alt letters and shortcuts go nowhere
            QTimer.singleShot(0, self.edit.window().activateWindow)
            return False
        if watched is not self.edit or not isinstance(event, QKeyEvent) or event.type() != QKeyEvent.Type.KeyPress:
            return False
        key = Qt.Key(event.key())
        if key == Qt.Key.Key_F4:
            self.browse()
            return True
        if key in _STEPS:
            self._move(_STEPS[key])
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._popup().isVisible():
            return self._take_current()
        if key == Qt.Key.Key_Escape and self._popup().isVisible():
            self._hide_list()
            return True
        return False

    def browse(self) -> None:
        dialog = CodeTreeDialog(self._infos, self._code, self.edit.text() if self._code is None else "", self)
        dialog.setWindowTitle(self.accessibleName() or _("Choose a code"))
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen:
            self._show(dialog.chosen)
            self.sig_changed.emit()
        self.edit.setFocus()


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.needle = ""
        self.setRecursiveFilteringEnabled(True)

    def set_needle(self, text: str) -> None:
        self.beginFilterChange()
        self.needle = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: ModelIndex) -> bool:
        if not self.needle:
            return True
        index = self.sourceModel().index(row, 0, parent)
        return _contains_all(self.needle, str(index.data(SEARCH_ROLE) or ""))


class CodeTreeDialog(QDialog):
    """The axis as a tree with a filter; Enter or double-click chooses."""

    def __init__(self, infos: Sequence[CodeInfo], current: str | None, needle: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeTreeDialog")
        self.chosen: str | None = None
        resize_within_screen(self, 460, 480)
        model = QStandardItemModel(self)
        items: dict[str, QStandardItem] = {}
        by_code = {i.code: i for i in infos}
        for info in infos:
            item = QStandardItem(code_text(info))
            item.setEditable(False)
            item.setData(info.code, CODE_ROLE)
            item.setData(_search_text(info, by_code.get(info.parent_code or "")), SEARCH_ROLE)
            items[info.code] = item
            holder = items.get(info.parent_code or "")
            (holder if holder is not None else model.invisibleRootItem()).appendRow(item)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(model)
        self.filter_label = QLabel(self)
        self.filter_edit = QLineEdit(needle, self)
        self.filter_edit.setObjectName("codeFilter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_label.setBuddy(self.filter_edit)
        self.tree = QTreeView(self)
        self.tree.setObjectName("codeTree")
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.activated.connect(self._choose)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.returnPressed.connect(self._enter_in_filter)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.filter_label)
        row.addWidget(self.filter_edit, 1)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.filter_label.setText(_("&Filter:"))
        self.filter_edit.setAccessibleName(_("Filter"))
        self.tree.setAccessibleName(_("Codes"))
        self._filter(needle)
        if current and current in items:
            index = self.proxy.mapFromSource(items[current].index())
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)
        self.filter_edit.setFocus()

    def _filter(self, text: str) -> None:
        self.proxy.set_needle(text)
        self.tree.expandAll()
        current = self.tree.currentIndex()
        if not current.isValid() or (self.proxy.needle
                                     and not _contains_all(self.proxy.needle, str(current.data(SEARCH_ROLE)))):
            first = self._first_match(QModelIndex())
            if first is not None:
                self.tree.setCurrentIndex(first)

    def _first_match(self, parent: QModelIndex) -> QModelIndex | None:
        """The first row (depth first) that matches the filter itself, not only through a child."""
        for row in range(self.proxy.rowCount(parent)):
            index = self.proxy.index(row, 0, parent)
            if _contains_all(self.proxy.needle, str(index.data(SEARCH_ROLE))):
                return index
            child = self._first_match(index)
            if child is not None:
                return child
        return None

    def _enter_in_filter(self) -> None:
        if self.tree.currentIndex().isValid():
            self._choose(self.tree.currentIndex())

    def _choose(self, index: QModelIndex) -> None:
        code = index.data(CODE_ROLE)
        if code:
            self.chosen = str(code)
            super().accept()

    def accept(self) -> None:
        self._choose(self.tree.currentIndex())
