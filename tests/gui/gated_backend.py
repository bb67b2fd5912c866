"""A LocalBackend whose sign-in waits for the test: to see a dialog while its password check is running."""

from __future__ import annotations

import threading

from desk_app.api.backend import LocalBackend
from desk_app.domain.actor import Actor


class GatedBackend(LocalBackend):
    """The real backend, but each sign-in waits until the test opens ``gate``, and notes its thread."""

    def __init__(self, backend: LocalBackend) -> None:
        super().__init__(backend.db, backend.label)
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []

    def sign_in(self, username: str, password: str) -> Actor:
        self.threads.append(threading.current_thread())
        assert self.gate.wait(10), "the test never opened the gate"
        return super().sign_in(username, password)
