"""The key archive: a replacement PC restored from a backup gets the office's chain and signing keys back
from a passphrase-protected file, and nothing else opens or changes that file."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from desk_app import key_archive
from desk_app.__main__ import main
from desk_app.errors import ValidationError
from desk_app.security import ENV_CHAIN_KEY, forget_chain_keys
from desk_app.signing import branch_key, public_key_text

PASSPHRASE = "晨光-counter-2026"


@pytest.fixture()
def office(tmp_path: Path) -> dict[str, Path]:
    """This office's key files: a chain key and two branches' signing keys."""
    folder = tmp_path / "office"
    folder.mkdir()
    chain = folder / "chain.key"
    chain.write_text("ab" * 32 + "\n", encoding="ascii")
    chain.chmod(0o600)
    for code in ("SH01", "BJ01"):
        branch_key(code, folder / "signing-keys")
    return {"chain": chain, "signing": folder / "signing-keys"}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_keys_travel_to_a_new_pc_owner_only(office: dict[str, Path], tmp_path: Path) -> None:
    archive = tmp_path / "keys.archive"
    made = key_archive.export_keys(archive, PASSPHRASE, chain_key_path=office["chain"],
                                   signing_folder=office["signing"])
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    text = archive.read_text(encoding="ascii")
    assert "ab" * 8 not in text and "PRIVATE KEY" not in text  # sealed, not merely encoded
    new_pc = tmp_path / "new-pc"
    got = key_archive.import_keys(archive, PASSPHRASE, chain_key_path=new_pc / "chain.key",
                                  signing_folder=new_pc / "signing-keys")
    assert got == made and sorted(got.branches) == ["BJ01", "SH01"]
    assert (new_pc / "chain.key").read_text(encoding="ascii").strip() == "ab" * 32
    for code in ("SH01", "BJ01"):
        assert public_key_text(branch_key(code, new_pc / "signing-keys")) == \
            public_key_text(branch_key(code, office["signing"]))
        assert stat.S_IMODE((new_pc / "signing-keys" / f"{code}.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((new_pc / "chain.key").stat().st_mode) == 0o600
    assert key_archive.read_keys(archive, PASSPHRASE) == made


def test_wrong_passphrase_changed_byte_and_forged_files_install_nothing(office: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    archive = tmp_path / "keys.archive"
    key_archive.export_keys(archive, PASSPHRASE, chain_key_path=office["chain"], signing_folder=office["signing"])
    new_pc = tmp_path / "new-pc"
    target = {"chain_key_path": new_pc / "chain.key", "signing_folder": new_pc / "signing-keys"}
    with pytest.raises(ValidationError, match="passphrase"):
        key_archive.import_keys(archive, PASSPHRASE + "x", **target)
    document = json.loads(archive.read_text(encoding="ascii"))
    sealed = bytearray(base64.b64decode(document["sealed"]))
    sealed[5] ^= 1
    changed = tmp_path / "changed.archive"
    changed.write_text(json.dumps({**document, "sealed": base64.b64encode(sealed).decode()}))
    with pytest.raises(ValidationError, match="changed"):
        key_archive.import_keys(changed, PASSPHRASE, **target)
    forged = {"not json.archive": b"\x00\xff" * 100, "other.archive": b'{"format": "zip"}',
              "fields.archive": json.dumps({"format": key_archive.FORMAT, "version": 1, "salt": "%%"}).encode(),
              "huge.archive": b" " * (2 << 20)}
    for name, body in forged.items():
        (tmp_path / name).write_bytes(body)
        with pytest.raises(ValidationError, match="not a Complaint Desk key archive"):
            key_archive.import_keys(tmp_path / name, PASSPHRASE, **target)
    newer = tmp_path / "newer.archive"
    newer.write_text(json.dumps({**document, "version": 2}))
    with pytest.raises(ValidationError, match="another program version"):
        key_archive.import_keys(newer, PASSPHRASE, **target)
    assert not new_pc.exists()


def test_export_refuses_a_short_passphrase_and_an_existing_file(office: dict[str, Path], tmp_path: Path) -> None:
    paths = {"chain_key_path": office["chain"], "signing_folder": office["signing"]}
    with pytest.raises(ValidationError, match="at least 12"):
        key_archive.export_keys(tmp_path / "a.archive", "short", **paths)
    assert not (tmp_path / "a.archive").exists()
    existing = tmp_path / "b.archive"
    existing.write_text("mine")
    with pytest.raises(ValidationError, match="already exists"):
        key_archive.export_keys(existing, PASSPHRASE, **paths)
    assert existing.read_text() == "mine"
    with pytest.raises(ValidationError, match="no readable chain key"):
        key_archive.export_keys(tmp_path / "c.archive", PASSPHRASE, chain_key_path=tmp_path / "none.key",
                                signing_folder=office["signing"])


def test_different_keys_are_kept_unless_replaced_and_then_kept_aside(office: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    archive = tmp_path / "keys.archive"
    key_archive.export_keys(archive, PASSPHRASE, chain_key_path=office["chain"], signing_folder=office["signing"])
    new_pc = tmp_path / "new-pc"
    new_pc.mkdir()
    (new_pc / "chain.key").write_text("cd" * 32 + "\n", encoding="ascii")
    branch_key("SH01", new_pc / "signing-keys")  # made by a first export on the new PC
    before = _snapshot(new_pc)
    target = {"chain_key_path": new_pc / "chain.key", "signing_folder": new_pc / "signing-keys"}
    with pytest.raises(ValidationError, match="--replace"):
        key_archive.import_keys(archive, PASSPHRASE, **target)
    assert _snapshot(new_pc) == before  # nothing written, not even BJ01's missing key
    key_archive.import_keys(archive, PASSPHRASE, replace=True, **target)
    after = _snapshot(new_pc)
    assert after["chain.key"].strip() == b"ab" * 32
    aside = [name for name in after if name.startswith("chain.key.replaced-")]
    assert len(aside) == 1 and after[aside[0]] == before["chain.key"]
    assert any(name.startswith("signing-keys/SH01.pem.replaced-") for name in after)
    assert "signing-keys/BJ01.pem" in after


def test_restore_on_a_new_pc_warns_until_the_keys_are_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    office_key = tmp_path / "office" / "chain.key"
    monkeypatch.setenv(ENV_CHAIN_KEY, str(office_key))
    office_db = tmp_path / "office.sqlite3"
    assert main(["--database-url", f"sqlite:///{office_db}", "demo-data", "--count", "8", "--seed", "3"]) == 0
    assert main(["--language", "en", "--database-url", f"sqlite:///{office_db}", "backup", "--out",
                 str(tmp_path / "b")]) == 0
    backup = next((tmp_path / "b").glob("*.sqlite3"))
    monkeypatch.setenv("DESK_TEST_PASSPHRASE", PASSPHRASE)
    sh01 = public_key_text(branch_key("SH01"))  # the office signs as SH01: its key beside the chain key
    assert (office_key.parent / "signing-keys" / "SH01.pem").exists()
    assert main(["--language", "en", "keys", "export", str(tmp_path / "keys.archive"), "--passphrase-env",
                 "DESK_TEST_PASSPHRASE"]) == 0

    new_key = tmp_path / "new-pc" / "chain.key"
    monkeypatch.setenv(ENV_CHAIN_KEY, str(new_key))
    forget_chain_keys()
    new_db = tmp_path / "new.sqlite3"
    capsys.readouterr()
    assert main(["--language", "en", "--database-url", f"sqlite:///{new_db}", "restore", str(backup), "--yes"]) == 0
    assert "sealed with another chain key" in capsys.readouterr().err
    assert main(["--language", "en", "--database-url", f"sqlite:///{new_db}", "check"]) == 1  # another key
    assert main(["--language", "en", "keys", "import", str(tmp_path / "keys.archive"), "--passphrase-env",
                 "DESK_TEST_PASSPHRASE", "--replace"]) == 0
    capsys.readouterr()
    assert public_key_text(branch_key("SH01")) == sh01  # read from beside the new PC's chain key
    assert main(["--language", "en", "--database-url", f"sqlite:///{new_db}", "check"]) == 0
    assert main(["--language", "en", "--database-url", f"sqlite:///{new_db}", "restore", str(backup)]) == 1
    assert "another chain key" not in capsys.readouterr().err
