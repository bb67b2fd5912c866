"""Pseudonyms of personal data in timeline events are keyed: without this office's chain key, trying every
phone number does not find the one behind a pseudonym (a plain SHA-256 of the number would)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.security import personal_data_digest, use_chain_key_file


@pytest.fixture
def key_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "keys" / "chain.key"
    use_chain_key_file(path)
    yield path
    use_chain_key_file(None)


def test_a_pseudonym_is_keyed_and_stable(key_file: Path) -> None:
    phone = "13812345678"
    pseudonym = personal_data_digest(phone)
    assert pseudonym.startswith("hmac:") and len(pseudonym) == len("hmac:") + 16
    assert pseudonym == personal_data_digest(phone)  # the same customer, the same pseudonym
    assert pseudonym != personal_data_digest("13812345679")
    assert phone not in pseudonym
    plain = hashlib.sha256(phone.encode()).hexdigest()[:16]
    assert plain not in pseudonym  # the brute-forceable form of the old events
    assert personal_data_digest("") == ""


def test_another_key_gives_other_pseudonyms(key_file: Path, tmp_path: Path) -> None:
    mine = personal_data_digest("11010519491231002X")
    use_chain_key_file(tmp_path / "other" / "chain.key")
    assert personal_data_digest("11010519491231002X") != mine
