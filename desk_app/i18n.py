"""gettext catalogs shared by the core and the GUI.

Message ids are English; the default language is Simplified Chinese. Catalogs (``.mo``) are compiled
from ``resources/translations/<lang>/LC_MESSAGES/desk.po`` at install/build time; when a compiled
catalog is missing the ``.po`` file is compiled in memory, so a source checkout works as well.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from desk_app.paths import resources_dir

DOMAIN = "desk"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")

_current: gettext.NullTranslations = gettext.NullTranslations()
_current_language = "en"
_listeners: list[Callable[[str], None]] = []
#: A language for the current request (the desk server answers each client in its own language).
_request: ContextVar[tuple[str, gettext.NullTranslations] | None] = ContextVar("desk_request_language", default=None)


def _load(language: str) -> gettext.NullTranslations:
    locale_dir = resources_dir() / "translations"
    mo = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    return _load(language) if language != "en" else gettext.NullTranslations()


@contextmanager
def request_language(language: str) -> Iterator[None]:
    """Translate into ``language`` inside this block, in this thread or task only (the process-wide
    language is left alone): the desk server serves clients in different languages at once."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    token = _request.set((language, _catalog(language)))
    try:
        yield
    finally:
        _request.reset(token)


def set_language(language: str) -> None:
    """Switch the process-wide language; listeners (the GUI) are told so they can retranslate."""
    global _current, _current_language
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _current = _load(language) if language != "en" else gettext.NullTranslations()
    _current_language = language
    for listener in list(_listeners):
        listener(language)


def current_language() -> str:
    override = _request.get()
    return override[0] if override is not None else _current_language


def add_language_listener(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)


def remove_language_listener(listener: Callable[[str], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    override = _request.get()
    return (override[1] if override is not None else _current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    override = _request.get()
    return (override[1] if override is not None else _current).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translated where shown)."""
    return message
