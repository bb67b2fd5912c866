"""Writing behind: a long export compresses on the second core while it renders the next rows.

Python runs one thread at a time, except inside C code that lets go of the interpreter lock, as
zlib does while it compresses. (Reading ahead the same way does not pay: SQLite's module takes the
lock back for every row it fetches, and the two threads then mostly wait for each other.)
"""

from __future__ import annotations

import io
import queue
import threading
from typing import IO, Any


class WriteBehind(io.RawIOBase):
    """A binary stream that hands each write to a thread which writes it to ``target`` (e.g. a zip
    member, which compresses as it writes). ``close`` waits for the writes, then closes ``target``;
    an error of the thread is raised by the next ``write`` or by ``close``."""

    def __init__(self, target: IO[bytes], depth: int = 8) -> None:
        super().__init__()
        self._target = target
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="write-behind", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._raise()
        chunk = bytes(data)  # the caller may reuse its buffer
        self._queue.put(chunk)
        return len(chunk)

    def close(self) -> None:
        if self.closed:
            return
        self._queue.put(None)
        self._thread.join()
        super().close()
        try:
            self._raise()
        finally:
            self._target.close()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._target.write(chunk)
                except BaseException as exc:  # handed to the writer
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error
