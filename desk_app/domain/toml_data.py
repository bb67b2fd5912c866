"""Reading the HQ-maintained TOML data files (reference lists, checklists, word lists, legal reference):
UTF-8 text, valid TOML and a whole-number ``version``, with errors that name the file."""

from __future__ import annotations

import tomllib
from typing import Any, NoReturn

from desk_app.errors import ValidationError
from desk_app.i18n import _


def fail(where: str, problem: str) -> NoReturn:
    raise ValidationError(f"{where}: {problem}")


def load_toml(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("{source}: the file is not UTF-8 text (bad byte at offset {offset})").format(
            source=source, offset=exc.start)) from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(_("{source}: not a valid TOML file: {error}").format(
            source=source, error=exc)) from exc


def require_version(doc: dict[str, Any], source: str) -> int:
    if "version" not in doc:
        fail(source, _("version is missing; the file must start with a line such as version = 1"))
    value = doc["version"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        fail(source, _("version must be a whole number of at least 1, not {value}").format(value=value))
    return value
