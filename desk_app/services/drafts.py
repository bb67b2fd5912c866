"""Autosaved drafts of a half-taken complaint, so a crash or a power cut loses nothing.

One JSON file per user, ``<user data dir>/drafts/<username>.json``. It is written atomically (a
temporary file in the same folder, flushed to disk, then renamed over the old one), so the file on
disk is always either the previous draft or the new one, never half of each. A file that cannot be
read is moved aside (``*.unreadable-<time>.json``), not deleted, and treated as no draft.

The draft holds the form's fields as plain JSON values; what they mean is the form's business. The
file contains personal data, so it is created readable by its owner only (where the OS allows).
Pure Python: no Qt, no database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desk_app.paths import private_dir, user_data_dir

log = logging.getLogger(__name__)
FORMAT = 1
KIND_INTAKE = "intake"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def drafts_dir() -> Path:
    return user_data_dir() / "drafts"


def _file_stem(username: str) -> str:
    """A file name for any user name: safe characters kept, anything else escaped (``%xx``)."""
    stem = _SAFE.sub(lambda m: "".join(f"%{b:02x}" for b in m.group().encode("utf-8")), username.strip())
    if stem.strip(".") == "":  # empty, ".", "..": not usable as a file name
        stem = "_" + stem.encode("utf-8").hex()
    return stem[:120]


@dataclass(frozen=True)
class Draft:
    fields: dict[str, Any]
    saved_at: datetime
    username: str
    kind: str = KIND_INTAKE
    format: int = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"format": self.format, "kind": self.kind, "username": self.username,
                           "saved_at": self.saved_at.isoformat(), "fields": self.fields, **self.extra},
                          ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise ValueError("not a draft: no 'fields' object")
        fmt = data.pop("format", None)
        if not isinstance(fmt, int) or fmt > FORMAT:
            raise ValueError(f"unsupported draft format {fmt!r}")
        saved_at = datetime.fromisoformat(str(data.pop("saved_at")))
        if saved_at.tzinfo is None:
            saved_at = saved_at.replace(tzinfo=UTC)
        return cls(fields=data.pop("fields"), saved_at=saved_at, username=str(data.pop("username", "")),
                   kind=str(data.pop("kind", KIND_INTAKE)), format=fmt, extra=data)


class DraftStore:
    """The draft file of one user. ``directory`` defaults to ``drafts_dir()`` (tests pass a temp dir)."""

    def __init__(self, username: str, directory: Path | None = None) -> None:
        self.username = username
        self._directory = directory
        self.last_error: OSError | None = None

    @property
    def directory(self) -> Path:
        return self._directory if self._directory is not None else drafts_dir()

    @property
    def path(self) -> Path:
        return self.directory / f"{_file_stem(self.username)}.json"

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, fields: dict[str, Any], now: datetime | None = None) -> Draft:
        """Write the draft atomically; raises OSError (disk full, no permission) and TypeError for a value
        that JSON cannot hold. The previous draft stays intact on any error."""
        draft = Draft(fields=fields, saved_at=now or datetime.now(UTC), username=self.username)
        text = draft.to_json()  # serialise first: a bad value must not leave an empty file behind
        private_dir(self.directory)  # drafts hold a customer's personal data
        fd, tmp_name = tempfile.mkstemp(prefix=".draft-", suffix=".tmp", dir=self.directory)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_directory(self.directory)
        return draft

    def try_save(self, fields: dict[str, Any], now: datetime | None = None) -> bool:
        """``save`` for autosave timers: an OS error is logged and kept in ``last_error``, never raised."""
        try:
            self.save(fields, now)
        except OSError as exc:
            log.warning("could not autosave the draft to %s", self.path, exc_info=True)
            self.last_error = exc
            return False
        self.last_error = None
        return True

    def load(self) -> Draft | None:
        """The saved draft, or None when there is none or it cannot be read (then it is moved aside)."""
        path = self.path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            log.warning("could not read the draft %s", path, exc_info=True)
            return None
        try:
            return Draft.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("the draft %s is unreadable; moving it aside", path, exc_info=True)
            self._move_aside()
            return None

    def discard(self) -> None:
        """Delete the draft (after a successful save, or when the user discards it)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _move_aside(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}.json")
        try:
            os.replace(self.path, target)
        except OSError:
            log.warning("could not move the unreadable draft aside", exc_info=True)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open a directory and needs no such step."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
