"""Finding and registering the TrueType CJK font that every letter embeds.

reportlab embeds (subsets) TrueType fonts only; it refuses CFF/OpenType-PostScript fonts such as Noto
Sans CJK. The search order (DESIGN.md, settled decisions):

1. the configured font: the ``configured`` argument, else the ``DESK_CJK_FONT`` environment variable;
   a configured font that cannot be used is an error (we do not silently pick another one);
2. fonts bundled with the application in ``resources/fonts/`` (``*.ttf``, ``*.ttc``);
3. the system: ``fc-list ':lang=zh:fontformat=TrueType'`` (``fc-match`` may answer with a CFF Noto font),
   then the Windows font folder (``simsun.ttc``, ``msyh.ttc``, ``simhei.ttf``, ``msyh.ttf``).

A ``.ttc`` collection holds several faces; a configured path may name one with ``#index``
(``C:/Windows/Fonts/simsun.ttc#1``), otherwise the first usable face is taken. No usable font is a
``FontNotFoundError`` (a UserError that says what was tried); a letter is never rendered with a
standard, non-embedded font.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont, TTFontFile

from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.paths import resources_dir

log = logging.getLogger(__name__)

ENV_FONT = "DESK_CJK_FONT"
#: Characters every letter font must have (Chinese text, digits, the capital numerals, punctuation).
PROBE_TEXT = ("投诉受理回执处理决定书延期告知核查人民币壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整年月日第页共"
              "，。：（）《》Aa09")
WINDOWS_FONTS = ("simsun.ttc", "msyh.ttc", "simhei.ttf", "msyh.ttf", "simkai.ttf")
FONT_SUFFIXES = (".ttf", ".ttc")
_MAX_FACES = 16


class FontNotFoundError(UserError):
    """No TrueType CJK font could be found or used; the message says what was tried."""


@dataclass(frozen=True)
class FontCandidate:
    path: Path
    subfont_index: int | None
    origin: str

    def describe(self) -> str:
        index = "" if self.subfont_index is None else f"#{self.subfont_index}"
        return f"{self.path}{index} ({self.origin})"


@dataclass(frozen=True)
class CjkFont:
    """A registered font: ``name`` is what reportlab styles use."""

    name: str
    path: Path
    subfont_index: int
    family: str
    origin: str


def parse_font_spec(spec: str | os.PathLike[str], origin: str) -> FontCandidate:
    """``/path/font.ttc#1`` → the file and face 1; a plain path leaves the face to be chosen."""
    text = os.fspath(spec).strip()
    path_text, sep, index_text = text.rpartition("#")
    if sep and index_text.isdigit():
        return FontCandidate(Path(path_text).expanduser(), int(index_text), origin)
    return FontCandidate(Path(text).expanduser(), None, origin)


def bundled_fonts_dir() -> Path:
    return resources_dir() / "fonts"


def _bundled_candidates() -> list[FontCandidate]:
    folder = bundled_fonts_dir()
    if not folder.is_dir():
        return []
    return [FontCandidate(p, None, "bundled") for p in sorted(folder.iterdir())
            if p.suffix.lower() in FONT_SUFFIXES and p.is_file()]


def _fc_list_candidates() -> list[FontCandidate]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run([fc_list, "-f", "%{file}|%{index}\n", ":lang=zh:fontformat=TrueType"],
                             capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("fc-list failed: %s", exc)
        return []
    found: dict[tuple[str, int | None], FontCandidate] = {}
    for line in out.splitlines():
        file_text, _sep, index_text = line.strip().partition("|")
        if not file_text or Path(file_text).suffix.lower() not in FONT_SUFFIXES:
            continue
        index = int(index_text) if index_text.strip().isdigit() else None
        found.setdefault((file_text, index), FontCandidate(Path(file_text), index, "system"))
    # Deterministic order: by file, then face; the same machine always picks the same font.
    return sorted(found.values(), key=lambda c: (str(c.path), c.subfont_index or 0))


def _windows_candidates() -> list[FontCandidate]:
    if not sys.platform.startswith("win"):
        return []
    folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [FontCandidate(folder / name, None, "system") for name in WINDOWS_FONTS if (folder / name).exists()]


def font_candidates(configured: str | os.PathLike[str] | None = None) -> list[FontCandidate]:
    """Every candidate in search order (the configured font alone when one is configured)."""
    if configured:
        return [parse_font_spec(configured, "configured")]
    env = os.environ.get(ENV_FONT, "").strip()
    if env:
        return [parse_font_spec(env, f"environment variable {ENV_FONT}")]
    return _bundled_candidates() + _fc_list_candidates() + _windows_candidates()


def _faces(candidate: FontCandidate) -> Iterable[int]:
    if candidate.subfont_index is not None:
        return (candidate.subfont_index,)
    return range(_MAX_FACES) if candidate.path.suffix.lower() == ".ttc" else (0,)


def _usable_face(candidate: FontCandidate) -> tuple[int, str] | tuple[None, str]:
    """The first face of the file that reportlab can embed and that has the probe characters."""
    if not candidate.path.is_file():
        return None, _("file not found")
    problem = _("no usable face")
    for index in _faces(candidate):
        try:
            face = TTFontFile(str(candidate.path), subfontIndex=index)
        except TTFError as exc:
            message = str(exc)
            if "subfontIndex" in message or "out of range" in message.lower():
                break
            problem = message  # e.g. "postscript outlines are not supported", or embedding not allowed
            continue
        except (OSError, ValueError, IndexError) as exc:
            problem = str(exc)
            break
        missing = [ch for ch in PROBE_TEXT if ord(ch) not in face.charToGlyph]
        if missing:
            problem = _("no Chinese glyphs (missing {chars})").format(chars="".join(missing[:8]))
            continue
        return index, face.familyName.decode("latin-1", "replace")
    return None, problem


_lock = threading.Lock()
_registered: dict[tuple[str, int], str] = {}
_discovered: dict[tuple[str, str], CjkFont] = {}


def _register(candidate: FontCandidate, index: int, family: str) -> CjkFont:
    key = (str(candidate.path.resolve()), index)
    name = _registered.get(key)
    if name is None:
        digest = hashlib.sha1(f"{key[0]}#{index}".encode()).hexdigest()[:10]
        name = f"DeskCJK-{digest}"
        pdfmetrics.registerFont(TTFont(name, str(candidate.path), subfontIndex=index))
        _registered[key] = name
    log.info("letter font: %s face %d (%s)", candidate.describe(), index, family)
    return CjkFont(name, candidate.path, index, family, candidate.origin)


def load_cjk_font(configured: str | os.PathLike[str] | None = None) -> CjkFont:
    """Find and register the letter font (cached per process); raise FontNotFoundError if none works."""
    cache_key = (os.fspath(configured) if configured else "", os.environ.get(ENV_FONT, ""))
    with _lock:
        cached = _discovered.get(cache_key)
        if cached is not None:
            return cached
        tried: list[str] = []
        for candidate in font_candidates(configured):
            index, detail = _usable_face(candidate)
            if index is None:
                tried.append(f"{candidate.describe()}: {detail}")
                continue
            font = _register(candidate, index, detail)
            _discovered[cache_key] = font
            return font
    if tried:
        raise FontNotFoundError(
            _("No usable TrueType Chinese font for letters. Tried: {tried}. Install a TrueType Chinese font "
              "(e.g. fonts-wqy-microhei, SimSun) or set {env} to a .ttf/.ttc file.").format(
                tried="; ".join(tried), env=ENV_FONT))
    raise FontNotFoundError(
        _("No TrueType Chinese font was found for letters. Install one (e.g. fonts-wqy-microhei on Linux; "
          "SimSun or Microsoft YaHei on Windows), put it in {folder}, or set {env} to a .ttf/.ttc file.").format(
            folder=bundled_fonts_dir(), env=ENV_FONT))


def clear_font_cache() -> None:
    """Forget the discovery results (the registered reportlab fonts stay registered)."""
    with _lock:
        _discovered.clear()
