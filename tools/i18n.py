"""Translation catalog tool (Babel API, no pybabel command line needed).

    python tools/i18n.py extract   # desk_app/ + ui/  ->  resources/translations/desk.pot
    python tools/i18n.py update    # extract, then merge into every <lang>/LC_MESSAGES/desk.po
    python tools/i18n.py check     # exit 1 and list message ids without a (non-fuzzy) translation
    python tools/i18n.py compile   # .po -> .mo (build/installer step; .mo files are not committed)

All commands are safe to rerun. ``update`` keeps existing translations, marks guesses for changed
ids as fuzzy (``check`` reports them until a translator removes the flag) and keeps vanished ids as
obsolete ``#~`` entries at the end of the file.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
DOMAIN = "desk"
POT = TRANSLATIONS / f"{DOMAIN}.pot"
LANGUAGES = ("zh_CN",)
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "N_": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)?(?:[!:][^{}]*)?\}")


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> Catalog:
    """Extract every message id from the sources named in babel.cfg, in memory."""
    with (root / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = Catalog(project="complaint-desk", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path, *, ignore_obsolete: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, include_lineno=False, ignore_obsolete=ignore_obsolete)


def read_catalog(path: Path, language: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=language, domain=DOMAIN)


def write_template(root: Path = ROOT) -> Catalog:
    template = extract(root)
    _write(template, POT, ignore_obsolete=True)
    return template


def update(template: Catalog, language: str) -> Path:
    path = po_path(language)
    if path.exists():
        catalog = read_catalog(path, language)
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project="complaint-desk", charset="utf-8",
                          fuzzy=False, last_translator="Complaint Desk team",
                          language_team=f"{language} <complaint-desk>")
    catalog.update(template)
    _write(catalog, path)
    return path


def _placeholders(text: str) -> set[str]:
    return {m.group(1) or "" for m in _PLACEHOLDER.finditer(text.replace("{{", "").replace("}}", ""))}


def _texts(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """Human-readable problems: untranslated, fuzzy, or a translation whose {placeholders} differ."""
    found: list[str] = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        translated: Message | None = catalog.get(key, message.context)
        texts = _texts(translated.string if translated else None)
        if translated is None or not texts or not all(t.strip() for t in texts):
            found.append(f"untranslated: {key!r}")
        elif translated.fuzzy:
            found.append(f"fuzzy (needs review): {key!r}")
        else:
            wanted = set().union(*(_placeholders(i) for i in _texts(message.id)))
            for text in texts:
                if _placeholders(text) != wanted:
                    found.append(f"placeholders differ: {key!r} -> {text!r}")
    return found


def compile_catalogs(languages: Iterable[str] = LANGUAGES) -> list[Path]:
    written = []
    for language in languages:
        catalog = read_catalog(po_path(language), language)
        mo = po_path(language).with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("extract", "update", "check", "compile"))
    parser.add_argument("--language", action="append", help="limit to these languages (default: all)")
    args = parser.parse_args(argv)
    languages = tuple(args.language or LANGUAGES)
    if args.command == "compile":
        for path in compile_catalogs(languages):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    template = write_template() if args.command in ("extract", "update") else extract()
    if args.command == "extract":
        print(f"wrote {POT.relative_to(ROOT)} ({len(template)} messages)")
        return 0
    if args.command == "update":
        for language in languages:
            path = update(template, language)
            print(f"updated {path.relative_to(ROOT)}")
        return 0
    status = 0
    for language in languages:
        path = po_path(language)
        found = problems(template, read_catalog(path, language)) if path.exists() else ["no catalog"]
        for line in found:
            print(f"{language}: {line}")
        if found:
            status = 1
        print(f"{language}: {len(template)} messages, {len(found)} problem(s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
