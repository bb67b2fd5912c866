"""Run-time language switching for the GUI.

Our own strings come from the gettext catalog (``desk_app.i18n``); Qt's standard buttons and dialogs
come from Qt's ``qtbase_<lang>.qm``. Switching the language swaps the Qt translator and sends
``QEvent.LanguageChange`` to every window; widgets answer it in ``changeEvent`` by calling their
``retranslate_ui()``. Qt propagates the event from a window to all its child widgets.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from desk_app import i18n
from desk_app.paths import resources_dir

#: Each language named in itself: a user who cannot read the current language can still find theirs.
LANGUAGE_NAMES: dict[str, str] = {"zh_CN": "中文", "en": "English"}


def qt_translation_dirs() -> list[Path]:
    """Bundled Qt catalogs (installer) first, then the ones shipped with PySide6."""
    return [resources_dir() / "translations" / "qt",
            Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]


def notify_widgets() -> None:
    """Deliver LanguageChange now (not posted) to every top-level widget, hence to all widgets."""
    for widget in QApplication.topLevelWidgets():
        QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.LanguageChange))


if TYPE_CHECKING:
    _MixinBase = QWidget  # what the mixin is mixed into, so its super() calls type-check
else:
    _MixinBase = object


class Retranslating(_MixinBase):
    """Mixin for a widget that sets its texts in ``retranslate_ui()``: answers ``LanguageChange`` by calling it.

    Name it before the Qt class: ``class LoginDialog(Retranslating, QDialog)``.
    """

    def retranslate_ui(self) -> None:
        """Set every visible text again in the current language."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


class LanguageSupport:
    """Keeps Qt's own translator and default locale in step with ``desk_app.i18n``."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._translators: list[QTranslator] = []

    def install(self) -> None:
        i18n.add_language_listener(self._on_language)
        self._on_language(i18n.current_language())

    def uninstall(self) -> None:
        i18n.remove_language_listener(self._on_language)
        self._remove_translators()

    def _remove_translators(self) -> None:
        for translator in self._translators:
            self._app.removeTranslator(translator)
        self._translators.clear()

    def _on_language(self, language: str) -> None:
        self._remove_translators()
        if language != "en":
            for folder in qt_translation_dirs():
                translator = QTranslator(self._app)
                if translator.load(f"qtbase_{language}", str(folder)):
                    self._app.installTranslator(translator)
                    self._translators.append(translator)
                    break
        QLocale.setDefault(QLocale("en_US" if language == "en" else language))


def switch_language(language: str) -> None:
    """Change the language of the whole application at run time."""
    i18n.set_language(language)
    notify_widgets()
