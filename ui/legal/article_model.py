"""Table model of the legal reference search results: law, article, title (plain ``Article`` values)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.domain.legal import Article
from desk_app.i18n import _

Index = QModelIndex | QPersistentModelIndex
ARTICLE_KEY_ROLE = Qt.ItemDataRole.UserRole + 1
#: Marks an article whose number or figures are not verified (shown with the text, never by colour alone).
UNVERIFIED_MARK = "⚠"


class Column(IntEnum):
    LAW = 0
    ARTICLE = 1
    TITLE = 2


class ArticleModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Article] = []

    def set_articles(self, articles: list[Article]) -> None:
        self.beginResetModel()
        self._rows = list(articles)
        self.endResetModel()

    def article(self, row: int) -> Article | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: str) -> int:
        return next((n for n, a in enumerate(self._rows) if a.key == key), -1)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(Column) - 1))

    # -- Qt model -------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        labels = {Column.LAW: _("Law"), Column.ARTICLE: _("Article"), Column.TITLE: _("Title")}
        return labels.get(Column(section)) if 0 <= section < len(Column) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        article = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.LAW:
                return article.law.short()
            if column is Column.ARTICLE:
                return article.article if article.verified else f"{article.article} {UNVERIFIED_MARK}"
            return article.title()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is Column.ARTICLE and not article.verified:
                return _("Not verified against the official text: {note}").format(note=article.note)
            if column is Column.LAW:
                return article.law.name()
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = f"{article.law.short()} {article.article} {article.title()}"
            not_verified = _("not verified")
            return text if article.verified else f"{text} ({not_verified})"
        if role == ARTICLE_KEY_ROLE:
            return article.key
        return None
