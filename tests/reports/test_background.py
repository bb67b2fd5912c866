"""WriteBehind: the detail export's sheets are compressed by a second thread; every byte arrives, in
order, and a failure of that thread reaches the writer instead of vanishing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from desk_app.reports.background import WriteBehind


def test_every_chunk_arrives_in_order(tmp_path: Path) -> None:
    chunks = [bytes([i % 251]) * (i * 37 % 5000 + 1) for i in range(2000)]
    with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        stream = io.BufferedWriter(WriteBehind(zf.open("part", "w")), buffer_size=4096)
        for chunk in chunks:
            stream.write(chunk)
        stream.close()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.read("part") == b"".join(chunks)


class _FailingTarget(io.RawIOBase):
    def __init__(self, after: int) -> None:
        self.after = after
        self.closed_by_writer = False

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        self.after -= 1
        if self.after < 0:
            raise OSError(28, "No space left on device")
        return len(data)  # type: ignore[arg-type]

    def close(self) -> None:
        self.closed_by_writer = True
        super().close()


def test_an_error_of_the_thread_reaches_the_writer() -> None:
    target = _FailingTarget(after=2)
    stream = WriteBehind(target)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="No space left"):
        for _i in range(1000):
            stream.write(b"x" * 1000)
    with pytest.raises(OSError, match="No space left"):  # closing still says so, and releases the target
        stream.close()
    assert target.closed_by_writer and stream.closed
