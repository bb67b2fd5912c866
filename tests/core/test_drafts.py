"""Autosaved intake drafts: atomic JSON files per user, tolerant of crashes and damaged files (no Qt)."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk_app.paths import user_data_dir
from desk_app.services import drafts
from desk_app.services.drafts import Draft, DraftStore

FIELDS = {"customer.name": "王芳", "customer.phone": "13812345678", "request_kinds": ["refund"],
          "facts_what": "信用卡被盗刷\n3,200.00元", "flags": [], "recusal": False}


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    store = DraftStore("clerk", tmp_path)
    when = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    store.save(FIELDS, now=when)
    loaded = store.load()
    assert loaded is not None
    assert loaded.fields == FIELDS
    assert loaded.saved_at == when
    assert loaded.username == "clerk"
    assert "王芳" in store.path.read_text(encoding="utf-8")  # readable UTF-8, not \\u escapes


def test_default_location_is_the_user_data_dir() -> None:
    store = DraftStore("clerk")
    assert store.path == user_data_dir() / "drafts" / "clerk.json"


def test_no_draft_is_none(tmp_path: Path) -> None:
    store = DraftStore("clerk", tmp_path / "missing")
    assert store.load() is None and not store.exists()
    store.discard()  # nothing to delete is fine


def test_discard_deletes(tmp_path: Path) -> None:
    store = DraftStore("clerk", tmp_path)
    store.save(FIELDS)
    assert store.exists()
    store.discard()
    assert not store.exists() and store.load() is None


def test_each_user_has_their_own_file(tmp_path: Path) -> None:
    DraftStore("clerk", tmp_path).save({"a": 1})
    DraftStore("other", tmp_path).save({"a": 2})
    assert DraftStore("clerk", tmp_path).load().fields == {"a": 1}  # type: ignore[union-attr]
    assert DraftStore("other", tmp_path).load().fields == {"a": 2}  # type: ignore[union-attr]


@pytest.mark.parametrize("username", ["../evil", "a/b", "..", "", "张三", "C:\\x"])
def test_odd_user_names_stay_inside_the_folder(tmp_path: Path, username: str) -> None:
    store = DraftStore(username, tmp_path)
    assert store.path.parent == tmp_path
    assert store.path.name not in (".json", "..json")
    store.save({"x": username})
    assert store.load().fields == {"x": username}  # type: ignore[union-attr]


def test_a_failed_write_keeps_the_previous_draft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DraftStore("clerk", tmp_path)
    store.save({"step": 1})

    def power_cut(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(drafts.os, "replace", power_cut)
    with pytest.raises(OSError):
        store.save({"step": 2})
    monkeypatch.undo()
    assert store.load().fields == {"step": 1}  # type: ignore[union-attr]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clerk.json"]  # no temporary file left behind


def test_try_save_reports_instead_of_raising(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DraftStore("clerk", tmp_path)

    def no_space(*args: object, **kwargs: object) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(drafts.tempfile, "mkstemp", no_space)
    assert store.try_save(FIELDS) is False
    assert isinstance(store.last_error, OSError)
    monkeypatch.undo()
    assert store.try_save(FIELDS) is True and store.last_error is None


def test_a_value_json_cannot_hold_writes_nothing(tmp_path: Path) -> None:
    store = DraftStore("clerk", tmp_path)
    store.save({"ok": True})
    with pytest.raises(TypeError):
        store.save({"when": datetime.now(UTC)})
    assert store.load().fields == {"ok": True}  # type: ignore[union-attr]


@pytest.mark.parametrize("content", ["{half", "[]", '{"format": 1}', '{"format": 99, "fields": {}, "saved_at": "x"}',
                                     '{"format": 1, "fields": {}, "saved_at": "not a date"}', ""])
def test_an_unreadable_draft_is_moved_aside_not_lost(tmp_path: Path, content: str) -> None:
    store = DraftStore("clerk", tmp_path)
    tmp_path.mkdir(exist_ok=True)
    store.path.write_text(content, encoding="utf-8")
    assert store.load() is None
    assert not store.exists()
    aside = [p for p in tmp_path.iterdir() if ".unreadable-" in p.name]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content


def test_unknown_keys_survive_and_naive_times_are_utc(tmp_path: Path) -> None:
    store = DraftStore("clerk", tmp_path)
    tmp_path.mkdir(exist_ok=True)
    store.path.write_text(json.dumps({"format": 1, "fields": {"a": 1}, "saved_at": "2026-03-02T08:30:00",
                                      "note": "from a newer build"}), encoding="utf-8")
    draft = store.load()
    assert draft is not None
    assert draft.saved_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert draft.extra == {"note": "from a newer build"}
    assert json.loads(draft.to_json())["note"] == "from a newer build"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_file_is_private(tmp_path: Path) -> None:
    store = DraftStore("clerk", tmp_path)
    store.save(FIELDS)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_draft_json_is_stable() -> None:
    draft = Draft(fields={"b": 1, "a": 2}, saved_at=datetime(2026, 1, 1, tzinfo=UTC), username="u")
    assert Draft.from_json(draft.to_json()) == draft
